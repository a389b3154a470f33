#pragma once

#include "clients/simulatorconnection.h"

#include <QAbstractListModel>
#include <QDateTime>

namespace nimbus::studio {

// One invocation made from the Invoke panel: what was sent and how it ended.
struct InvocationRecord {
    QDateTime when;
    QString function;
    QByteArray event;
    InvokeOutcome outcome;
};

// The Invoke panel's history, newest first, to look at again or re-run.
class InvocationHistoryModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role { FunctionRole = Qt::UserRole + 1, EventRole };
    explicit InvocationHistoryModel(QObject *parent = nullptr, int capacity = 200);

    void add(InvocationRecord record);
    const InvocationRecord &record(int row) const { return m_records[row]; }

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;

private:
    QList<InvocationRecord> m_records;
    int m_capacity;
};

} // namespace nimbus::studio
