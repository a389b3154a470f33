#pragma once

#include <QWidget>

class QLabel;
class QTableView;
class QPushButton;

namespace nimbus::studio {

class InstancesModel;
class RoutesModel;
class TriggersModel;
class SimulatorConnection;

// The Simulator panel: whether the project's simulator runs and where (gateway, control
// plane), a Restart button, each function's instances (starting / idle / busy, memory) and
// the gateway's routes with their URLs (click to open; double-click to send a request), and
// the event sources it runs (schedules, queues, buckets) with their state.
class SimulatorPanel : public QWidget {
    Q_OBJECT
public:
    SimulatorPanel(SimulatorConnection *simulator, InstancesModel *instances, RoutesModel *routes,
                   TriggersModel *triggers, QWidget *parent = nullptr);
    QTableView *instancesView() const { return m_instances; }
    QTableView *routesView() const { return m_routes; }
    QTableView *triggersView() const { return m_triggers; }
    QLabel *statusLabel() const { return m_status; }

signals:
    void requestRoute(const QString &method, const QString &path);

private:
    void updateStatus();

    SimulatorConnection *m_simulator;
    QLabel *m_status;
    QPushButton *m_restart;
    QTableView *m_instances;
    QTableView *m_routes;
    QTableView *m_triggers;
};

} // namespace nimbus::studio
