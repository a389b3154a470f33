#include "instancesmodel.h"

#include <QColor>
#include <QFont>
#include <QHash>

namespace nimbus::studio {

InstancesModel::InstancesModel(QObject *parent)
    : QAbstractTableModel(parent) {}

void InstancesModel::clear() {
    beginResetModel();
    m_instances.clear();
    endResetModel();
}

void InstancesModel::setSnapshot(const QJsonArray &instances) {
    beginResetModel();
    m_instances.clear();
    for (const auto &i : instances) {
        const QJsonObject o = i.toObject();
        m_instances.append({o.value("function").toString(), o.value("pid").toInteger(),
                            o.value("state").toString(), o.value("memoryMb").toInt()});
    }
    endResetModel();
}

void InstancesModel::applyEvent(const QJsonObject &event) {
    if (event.value("type").toString() != "instance")
        return;
    const qint64 pid = event.value("pid").toInteger();
    const QString state = event.value("state").toString();
    for (int row = 0; row < m_instances.size(); ++row) {
        if (m_instances[row].pid != pid)
            continue;
        if (state == "stopped") {
            beginRemoveRows({}, row, row);
            m_instances.removeAt(row);
            endRemoveRows();
            return;
        }
        m_instances[row].state = state;
        if (event.contains("memoryMb"))
            m_instances[row].memoryMb = event.value("memoryMb").toInt();
        emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
        return;
    }
    if (state == "stopped")
        return;
    const int row = static_cast<int>(m_instances.size());
    beginInsertRows({}, row, row);
    m_instances.append(
        {event.value("function").toString(), pid, state, event.value("memoryMb").toInt()});
    endInsertRows();
}

QString InstancesModel::stateOf(qint64 pid) const {
    for (const auto &i : m_instances)
        if (i.pid == pid)
            return i.state;
    return {};
}

int InstancesModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_instances.size());
}

int InstancesModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant InstancesModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= m_instances.size())
        return {};
    const Instance &i = m_instances[index.row()];
    if (role == Qt::DisplayRole || role == Qt::AccessibleTextRole) {
        switch (index.column()) {
        case FunctionColumn:
            return i.function;
        case PidColumn:
            return i.pid;
        case StateColumn:
            return i.state;
        case MemoryColumn:
            return i.memoryMb > 0 ? QStringLiteral("%1 MB").arg(i.memoryMb) : QStringLiteral("—");
        }
    }
    if (role == Qt::ForegroundRole && index.column() == StateColumn) {
        if (i.state == "busy")
            return QColor(0x1a, 0x5f, 0xb4);
        if (i.state == "starting")
            return QColor(0x9a, 0x67, 0x00);
        return QColor(0x26, 0x80, 0x3c);
    }
    return {};
}

QVariant InstancesModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *titles[] = {"Function", "PID", "State", "Memory"};
    return section < ColumnCount ? tr(titles[section]) : QVariant();
}

RoutesModel::RoutesModel(QObject *parent)
    : QAbstractTableModel(parent) {}

void RoutesModel::setRoutes(const QJsonArray &routes) {
    beginResetModel();
    m_routes = routes;
    endResetModel();
}

int RoutesModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_routes.size());
}

int RoutesModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RoutesModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= m_routes.size())
        return {};
    const QJsonObject r = m_routes[index.row()].toObject();
    if (role == Qt::DisplayRole || role == Qt::AccessibleTextRole || role == Qt::ToolTipRole) {
        switch (index.column()) {
        case MethodColumn:
            return r.value("method").toString();
        case PathColumn:
            return r.value("path").toString();
        case FunctionColumn:
            return r.value("function").toString();
        case KindColumn: {
            QString kind = r.value("kind").toString();
            const QJsonObject authorizer = r.value("authorizer").toObject();
            if (!authorizer.isEmpty())
                kind += tr(" · %1 authorizer %2")
                            .arg(authorizer.value("type").toString(), authorizer.value("name").toString());
            return kind;
        }
        case UrlColumn:
            return r.value("url").toString();
        }
    }
    if (role == Qt::ForegroundRole && index.column() == UrlColumn)
        return QColor(0x1a, 0x5f, 0xb4);
    if (role == Qt::FontRole && index.column() == UrlColumn) {
        QFont font;
        font.setUnderline(true);
        return font;
    }
    return {};
}

QVariant RoutesModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *titles[] = {"Method", "Path", "Function", "Kind", "URL"};
    return section < ColumnCount ? tr(titles[section]) : QVariant();
}

TriggersModel::TriggersModel(QObject *parent)
    : QAbstractTableModel(parent) {}

void TriggersModel::setSnapshot(const QJsonObject &snapshot) {
    QList<Row> rows;
    for (const auto &v : snapshot.value("schedules").toArray()) {
        const QJsonObject s = v.toObject();
        QString state = !s.value("enabled").toBool(true) ? tr("disabled")
                        : s.value("next").isString()
                            ? tr("next %1").arg(s.value("next").toString())
                            : tr("does not fire again");
        if (s.value("fired").toInt() > 0)
            state += tr(", fired %n time(s)", nullptr, s.value("fired").toInt());
        rows.append({tr("schedule"), s.value("expression").toString(),
                     s.value("function").toString(), state});
    }
    // What each queue holds, to show beside its mapping.
    QHash<QString, QJsonObject> queues;
    for (const auto &v : snapshot.value("queues").toArray())
        queues.insert(v.toObject().value("name").toString(), v.toObject());
    for (const auto &v : snapshot.value("queueMappings").toArray()) {
        const QJsonObject m = v.toObject();
        const QJsonObject q = queues.value(m.value("queue").toString());
        QString state = !m.value("enabled").toBool(true)
                            ? tr("disabled")
                            : tr("%1 waiting, %2 in flight · %3 batches, %4 done, %5 failed")
                                  .arg(q.value("visible").toInt())
                                  .arg(q.value("inFlight").toInt())
                                  .arg(m.value("batches").toInt())
                                  .arg(m.value("deleted").toInt())
                                  .arg(m.value("failed").toInt());
        const QString last = m.value("lastResult").toString();
        if (!last.isEmpty() && last != "OK")
            state += " · " + last;
        rows.append({tr("sqs"),
                     tr("%1 (batch %2)").arg(m.value("queue").toString()).arg(m.value("batchSize").toInt()),
                     m.value("function").toString(), state});
    }
    QHash<QString, QJsonObject> buckets;
    for (const auto &v : snapshot.value("buckets").toArray())
        buckets.insert(v.toObject().value("name").toString(), v.toObject());
    for (const auto &v : snapshot.value("bucketNotifications").toArray()) {
        const QJsonObject n = v.toObject();
        QString rules;
        for (const auto &p : n.value("prefixes").toArray())
            rules += tr(", prefix %1").arg(p.toString());
        for (const auto &x : n.value("suffixes").toArray())
            rules += tr(", suffix %1").arg(x.toString());
        const QJsonObject b = buckets.value(n.value("bucket").toString());
        rows.append({tr("s3"),
                     QStringLiteral("%1 (%2%3)").arg(n.value("bucket").toString(),
                                                     n.value("event").toString(), rules),
                     n.value("function").toString(),
                     tr("%n object(s)", nullptr, b.value("objects").toInt())});
    }
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

int TriggersModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int TriggersModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TriggersModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    if (role != Qt::DisplayRole && role != Qt::AccessibleTextRole && role != Qt::ToolTipRole)
        return {};
    const Row &r = m_rows[index.row()];
    switch (index.column()) {
    case SourceColumn:
        return r.source;
    case TriggerColumn:
        return r.trigger;
    case FunctionColumn:
        return r.function;
    case StateColumn:
        return r.state;
    }
    return {};
}

QVariant TriggersModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *titles[] = {"Source", "Trigger", "Function", "State"};
    return section < ColumnCount ? tr(titles[section]) : QVariant();
}

} // namespace nimbus::studio
