#pragma once

#include "models/failuresmodel.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTableView;
class QTreeWidget;
class QTreeWidgetItem;

namespace nimbus::studio {

class FilterBar;
class SimulatorReader;

class FunctionsModel;
class SimulatorConnection;
class StateStack;
class VisibleRefresh;

// The Failures panel: the failed invocations the simulator kept (time, function, error) and,
// for the selected one, its scene: the frames with their local variables (double-click
// opens the line), the event, the environment, the log, the stack trace and the context.
// Replay in Debugger runs the same event again under the debugger; Copy Event takes the
// event to the clipboard.
class FailuresPanel : public QWidget {
    Q_OBJECT
public:
    FailuresPanel(SimulatorConnection *simulator, FunctionsModel *functions,
                  const QString &projectDir, QWidget *parent = nullptr);

    void refresh();
    void setFunction(const QString &function); // "" for all
    QString function() const;
    bool selectFailure(qint64 id);
    // The failure on show (null when none).
    const FailureRecord *selectedFailure() const;
    // Asks for a replay of the failure on show (what the button does).
    void replaySelected();
    void copyEvent();
    // Where a frame's file is on this machine (a path relative to the project resolved).
    QString resolvePath(const QString &file) const;

    FailuresModel *failures() const { return m_model; }
    QTableView *list() const { return m_list; }
    QTreeWidget *framesTree() const { return m_frames; }
    QPlainTextEdit *eventView() const { return m_event; }
    QTreeWidget *environmentView() const { return m_environment; }
    QPlainTextEdit *logView() const { return m_log; }
    QPlainTextEdit *stackView() const { return m_stack; }
    QTabWidget *detailTabs() const { return m_tabs; }
    QLabel *headline() const { return m_headline; }
    QPushButton *replayButton() const { return m_replay; }
    QPushButton *copyEventButton() const { return m_copy; }
    StateStack *states() const { return m_states; }
    bool isPolling() const;

signals:
    void refreshed();
    // Debug failure `id` of `function` again (its event and environment).
    void replayRequested(qint64 id, const QString &function);
    // 0-based line, as the editors count.
    void openLocation(const QString &path, int line, int column);

private:
    void showFailures(const QList<FailureRecord> &failures);
    void showFailure(const FailureRecord *failure);
    void showUnavailable(const QString &why);
    void openFrame(QTreeWidgetItem *item);

    QString m_projectDir;
    FailuresModel *m_model;
    FilterBar *m_bar;
    QTableView *m_list;
    QLabel *m_headline;
    QLabel *m_where;
    QPushButton *m_replay;
    QPushButton *m_copy;
    QTabWidget *m_tabs;
    QTreeWidget *m_frames;
    QPlainTextEdit *m_event;
    QTreeWidget *m_environment;
    QPlainTextEdit *m_log;
    QPlainTextEdit *m_stack;
    QTreeWidget *m_context;
    StateStack *m_states;
    VisibleRefresh *m_poller;
    qint64 m_shown = -1;
    SimulatorReader *m_reader;
};

} // namespace nimbus::studio
