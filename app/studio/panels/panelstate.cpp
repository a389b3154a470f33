#include "panelstate.h"

#include "clients/simulatorconnection.h"

#include <QColor>
#include <QDockWidget>
#include <QEvent>
#include <QLabel>
#include <QVBoxLayout>

namespace nimbus::studio {

StateStack::StateStack(QWidget *content, const QString &accessibleName, QWidget *parent)
    : QStackedWidget(parent)
    , m_content(content) {
    addWidget(content);
    auto *page = new QWidget(this);
    auto *layout = new QVBoxLayout(page);
    m_message = new QLabel(page);
    m_message->setAccessibleName(accessibleName);
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setMargin(16);
    layout->addStretch(1);
    layout->addWidget(m_message);
    layout->addStretch(2);
    addWidget(page);
}

void StateStack::showContent() {
    setCurrentWidget(m_content);
}

void StateStack::showMessage(const QString &text, Tone tone) {
    m_message->setText(text);
    QPalette palette = m_message->palette();
    palette.setColor(QPalette::WindowText, tone == Tone::Error
                                               ? QColor(0xc6, 0x28, 0x28)
                                               : this->palette().color(QPalette::PlaceholderText));
    m_message->setPalette(palette);
    setCurrentIndex(1);
}

bool StateStack::showsMessage() const {
    return currentIndex() == 1;
}

VisibleRefresh::VisibleRefresh(QWidget *panel, SimulatorConnection *simulator, int intervalMs,
                               std::function<void()> refresh)
    : QObject(panel)
    , m_panel(panel)
    , m_simulator(simulator)
    , m_refresh(std::move(refresh)) {
    m_timer.setInterval(intervalMs);
    connect(&m_timer, &QTimer::timeout, this, [this] { m_refresh(); });
    panel->installEventFilter(this);
    // A simulator that starts (or stops) while the panel is in view shows at once.
    connect(simulator, &SimulatorConnection::stateChanged, this, [this] { update(true); });
}

bool VisibleRefresh::inView() const {
    return m_panel->isVisible() && m_dockInView;
}

void VisibleRefresh::followDock() {
    QDockWidget *dock = nullptr;
    for (QWidget *w = m_panel->parentWidget(); w && !dock; w = w->parentWidget())
        dock = qobject_cast<QDockWidget *>(w);
    if (dock == m_dock)
        return;
    if (m_dock)
        m_dock->disconnect(this);
    m_dock = dock;
    m_dockInView = true;
    if (dock)
        connect(dock, &QDockWidget::visibilityChanged, this, [this](bool visible) {
            m_dockInView = visible;
            update(visible);
        });
}

bool VisibleRefresh::eventFilter(QObject *watched, QEvent *event) {
    if (watched == m_panel) {
        if (event->type() == QEvent::ParentChange)
            followDock();
        else if (event->type() == QEvent::Show || event->type() == QEvent::Hide) {
            followDock();
            update(event->type() == QEvent::Show);
        }
    }
    return QObject::eventFilter(watched, event);
}

void VisibleRefresh::update(bool refreshNow) {
    const bool visible = inView();
    const bool running = m_simulator->state() == SimulatorConnection::State::Running;
    if (visible && running) {
        if (!m_timer.isActive())
            m_timer.start();
    } else {
        m_timer.stop();
    }
    // Come into view, or the simulator's state changed in view: the panel says so now (its
    // refresh shows the state when the simulator is not running).
    if (visible && refreshNow)
        m_refresh();
}

SimulatorReader::SimulatorReader(SimulatorConnection *simulator, QString path, QObject *parent)
    : QObject(parent)
    , m_simulator(simulator)
    , m_path(std::move(path)) {}

SimulatorReader::Status SimulatorReader::read(const QString &key, const QString &query,
                                              Answer answer) {
    using State = SimulatorConnection::State;
    if (m_simulator->state() == State::Starting)
        return Status::Starting;
    if (m_simulator->state() != State::Running)
        return Status::NotRunning;
    if (m_inFlight && key == m_key)
        return Status::InFlight;
    m_key = key;
    m_inFlight = true;
    const int request = ++m_request;
    QPointer<SimulatorReader> self(this);
    m_simulator->getJson(m_path, query,
                         [self, request, answer = std::move(answer)](const QJsonObject &json,
                                                                     const QString &error) {
                             if (!self || request != self->m_request)
                                 return; // superseded by a newer read
                             self->m_inFlight = false;
                             answer(json, error);
                         });
    return Status::Asked;
}

QString SimulatorReader::notRunning(const QString &what) const {
    if (m_simulator->state() == SimulatorConnection::State::Failed)
        return tr("The simulator is not running, so there are no %1 to show.\n%2")
            .arg(what, m_simulator->failure());
    return tr("The simulator is not running: its %1 show when it runs (Run ▸ Restart "
              "Simulator).")
        .arg(what);
}

} // namespace nimbus::studio
