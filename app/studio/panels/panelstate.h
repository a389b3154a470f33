#pragma once

#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QStackedWidget>
#include <QTimer>
#include <functional>

class QDockWidget;
class QLabel;

namespace nimbus::studio {

class SimulatorConnection;

// A panel's content, or a sentence in its place: why there is nothing to show yet (an
// empty state says what to do) or why it cannot be shown (an error).
class StateStack : public QStackedWidget {
    Q_OBJECT
public:
    enum class Tone { Empty, Error };

    StateStack(QWidget *content, const QString &accessibleName, QWidget *parent = nullptr);

    void showContent();
    void showMessage(const QString &text, Tone tone);
    bool showsMessage() const;
    QLabel *messageLabel() const { return m_message; }

private:
    QWidget *m_content;
    QLabel *m_message;
};

// Calls `refresh` when `panel` comes into view and then every `intervalMs` while it stays in
// view and the simulator runs: a closed dock, or one behind another tab, asks for nothing.
// (A dock behind another tab is not hidden, only moved out of sight: its visibilityChanged
// says when it is.)
class VisibleRefresh : public QObject {
    Q_OBJECT
public:
    VisibleRefresh(QWidget *panel, SimulatorConnection *simulator, int intervalMs,
                   std::function<void()> refresh);

    bool isPolling() const { return m_timer.isActive(); }
    bool inView() const;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void followDock();
    void update(bool refreshNow);

    QWidget *m_panel;
    SimulatorConnection *m_simulator;
    std::function<void()> m_refresh;
    QTimer m_timer;
    QPointer<QDockWidget> m_dock;
    bool m_dockInView = true;
};

// A panel's reads of one endpoint of the simulator. A read with the key of the one in flight
// is dropped (the answer on its way will do); a read with another key (the function or the
// range changed) supersedes it: only the newest read's answer is delivered.
class SimulatorReader : public QObject {
    Q_OBJECT
public:
    enum class Status { Asked, InFlight, Starting, NotRunning };
    using Answer = std::function<void(const QJsonObject &answer, const QString &error)>;

    SimulatorReader(SimulatorConnection *simulator, QString path, QObject *parent);

    // Asks for `path?query` when the simulator runs; says why not otherwise.
    Status read(const QString &key, const QString &query, Answer answer);
    // Why there is nothing to show while the simulator is not running, naming what the panel
    // shows ("traces").
    QString notRunning(const QString &what) const;

private:
    SimulatorConnection *m_simulator;
    QString m_path;
    QString m_key;
    int m_request = 0;
    bool m_inFlight = false;
};

} // namespace nimbus::studio
