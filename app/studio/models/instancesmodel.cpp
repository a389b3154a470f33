#include "instancesmodel.h"

#include <QColor>
#include <QFont>

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
        case KindColumn:
            return r.value("kind").toString();
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

} // namespace nimbus::studio
