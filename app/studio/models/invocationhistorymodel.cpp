#include "invocationhistorymodel.h"

#include <QColor>

namespace nimbus::studio {

InvocationHistoryModel::InvocationHistoryModel(QObject *parent, int capacity)
    : QAbstractListModel(parent)
    , m_capacity(capacity) {}

void InvocationHistoryModel::add(InvocationRecord record) {
    beginInsertRows({}, 0, 0);
    m_records.prepend(std::move(record));
    endInsertRows();
    if (m_records.size() > m_capacity) {
        beginRemoveRows({}, m_capacity, static_cast<int>(m_records.size()) - 1);
        m_records.resize(m_capacity);
        endRemoveRows();
    }
}

int InvocationHistoryModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_records.size());
}

QVariant InvocationHistoryModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= m_records.size())
        return {};
    const InvocationRecord &r = m_records[index.row()];
    const QString status = !r.outcome.error.isEmpty()           ? tr("failed to run")
                           : !r.outcome.functionError.isEmpty() ? tr("error")
                                                                : tr("ok");
    switch (role) {
    case Qt::DisplayRole:
    case Qt::AccessibleTextRole: {
        QString text =
            QStringLiteral("%1  %2  %3").arg(r.when.toString("HH:mm:ss"), r.function, status);
        if (r.outcome.report && r.outcome.report->durationMs >= 0)
            text += QStringLiteral("  %1 ms").arg(r.outcome.report->durationMs, 0, 'f', 2);
        return text;
    }
    case Qt::ToolTipRole:
        return QString::fromUtf8(r.event);
    case Qt::ForegroundRole:
        return status == tr("ok") ? QVariant() : QVariant(QColor(0xc0, 0x1c, 0x28));
    case FunctionRole:
        return r.function;
    case EventRole:
        return r.event;
    }
    return {};
}

} // namespace nimbus::studio
