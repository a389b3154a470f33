#pragma once

#include <QAbstractTableModel>
#include <QJsonArray>
#include <QJsonObject>

namespace nimbus::studio {

// The simulator's instances (function, pid, state, memory), kept current from its snapshot
// and the instance events of its live stream.
class InstancesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { FunctionColumn, PidColumn, StateColumn, MemoryColumn, ColumnCount };

    explicit InstancesModel(QObject *parent = nullptr);

    void setSnapshot(const QJsonArray &instances);
    void applyEvent(const QJsonObject &event); // "instance" events; others are ignored
    void clear();
    QString stateOf(qint64 pid) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    struct Instance {
        QString function;
        qint64 pid = 0;
        QString state;
        int memoryMb = 0;
    };
    QList<Instance> m_instances;
};

// The gateway's routes (method, path, function, kind, URL) from the snapshot.
class RoutesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { MethodColumn, PathColumn, FunctionColumn, KindColumn, UrlColumn, ColumnCount };
    explicit RoutesModel(QObject *parent = nullptr);
    void setRoutes(const QJsonArray &routes);
    const QJsonArray &routes() const { return m_routes; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    QJsonArray m_routes;
};

// The event sources the simulator runs (schedules, queue mappings, bucket notifications)
// with their state, from the snapshot: one row each.
class TriggersModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { SourceColumn, TriggerColumn, FunctionColumn, StateColumn, ColumnCount };
    explicit TriggersModel(QObject *parent = nullptr);
    void setSnapshot(const QJsonObject &snapshot);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    struct Row {
        QString source, trigger, function, state;
    };
    QList<Row> m_rows;
};

} // namespace nimbus::studio
