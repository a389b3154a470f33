#pragma once

#include "models/flamegraph.h"

#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;
class QTableView;

namespace nimbus::studio {

class FlameGraphView;
class StateStack;

// The Profile panel: a speedscope profile as a flame graph (every invocation's stacks
// merged, zoomable) beside the frames that took the most time of their own. It opens a file
// or shows a profile just taken; a profile being taken shows progress and can be
// cancelled. What cannot be read is said, naming the file and what is wrong with it.
class ProfilePanel : public QWidget {
    Q_OBJECT
public:
    explicit ProfilePanel(const QString &projectDir, QWidget *parent = nullptr);

    // Reads and shows `path`; false (the panel says why) when it cannot be shown.
    bool openFile(const QString &path);
    // A run is under way (`text` says what), or has ended (with `error` when it failed).
    void setBusy(const QString &text);
    void setIdle(const QString &error = {});
    void resetZoom();

    const FlameGraph &graph() const;
    QString file() const { return m_file; }
    QString error() const { return m_error; }
    FlameGraphView *flameGraph() const { return m_view; }
    HotFramesModel *hotFrames() const { return m_hot; }
    QTableView *hotFramesView() const { return m_table; }
    QPushButton *resetZoomButton() const { return m_reset; }
    QLabel *summary() const { return m_summary; }
    StateStack *states() const { return m_states; }
    bool isBusy() const;

signals:
    void openRequested();    // Open Profile…
    void profileRequested(); // Profile Function…
    void cancelRequested();
    void openLocation(const QString &path, int line, int column);

private:
    void showError(const QString &error);

    QString m_projectDir;
    QString m_file;
    QString m_error;
    HotFramesModel *m_hot;
    FlameGraphView *m_view;
    QTableView *m_table;
    QPushButton *m_reset;
    QPushButton *m_cancel;
    QProgressBar *m_progress;
    QLabel *m_summary;
    StateStack *m_states;
};

} // namespace nimbus::studio
