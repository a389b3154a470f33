#pragma once

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

} // namespace nimbus::studio
