#pragma once

#include <QAbstractTableModel>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

namespace nimbus::studio {

// One frame of a failed invocation, as the runtime's bootstrap captured it (with its local
// variables as text, when the runtime sends them).
struct FailureFrame {
    QString name;
    QString file;
    int line = 0; // 1-based; 0 when unknown
    QList<QPair<QString, QString>> locals;
};

// A failed invocation's scene, as /_nimbus/failures keeps it.
struct FailureRecord {
    qint64 id = 0;
    QString function;
    QString qualifier;
    QString requestId;
    QString time; // ISO 8601
    qint64 timeMs = 0;
    QString errorType;
    QString errorMessage;
    QStringList stackTrace;
    QJsonValue event;
    QJsonObject context;
    QJsonObject environment; // secrets masked "****"
    QString log;
    QString trigger;
    QList<FailureFrame> frames; // outermost first, the failing frame last

    // "ValueError: invalid literal…" (the type alone, or the message alone, when only one is
    // known).
    QString headline() const;
    // The event as indented JSON (a string event as it came).
    QString prettyEvent() const;
};

FailureRecord failureFromJson(const QJsonObject &object);
QList<FailureRecord> failuresFromJson(const QJsonObject &answer); // {"Failures": [...]}

// The Failures panel's list, newest first.
class FailuresModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TimeColumn, FunctionColumn, ErrorColumn, ColumnCount };
    enum Role { FailureIdRole = Qt::UserRole + 1 };

    explicit FailuresModel(QObject *parent = nullptr);

    void setFailures(const QList<FailureRecord> &failures);
    const QList<FailureRecord> &failures() const { return m_failures; }
    const FailureRecord *failure(qint64 id) const;
    int rowOf(qint64 id) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    QList<FailureRecord> m_failures;
};

} // namespace nimbus::studio
