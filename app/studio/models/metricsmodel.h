#pragma once

#include <QAbstractTableModel>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace nimbus::studio {

// One function's figures over a time range, as the simulator's /_nimbus/metrics sums them.
struct FunctionMetrics {
    QString function;
    qint64 invocations = 0; // throttled ones included
    qint64 errors = 0;
    qint64 throttles = 0;
    qint64 coldStarts = 0;
    double p50Ms = 0, p90Ms = 0, p99Ms = 0;
    double queuedP99Ms = 0; // the wait for an instance (the simulator's queue), not run time
    int maxMemoryMb = 0;
};

// One function's figures in one time bucket.
struct MetricsPoint {
    qint64 startMs = 0; // Unix time
    qint64 invocations = 0, errors = 0, throttles = 0, coldStarts = 0;
    double p50Ms = 0, p99Ms = 0;
    // Durations exist only for the invocations that ran (not the throttled ones).
    bool hasDurations() const { return invocations > throttles; }
};

struct MetricsSeries {
    QString function;
    QList<MetricsPoint> points; // every bucket of the range, empty ones too
};

// A /_nimbus/metrics answer: {"Functions": [...], "Series": [...]}.
struct MetricsSnapshot {
    QList<FunctionMetrics> functions;
    QList<MetricsSeries> series;
    qint64 totalInvocations() const;
};
MetricsSnapshot metricsFromJson(const QJsonObject &answer);

// A range the Metrics panel offers, with the bucket its charts use (30 to 72 points).
struct MetricsRange {
    QString label;  // "Last hour"
    QString phrase; // "the last hour", for sentences
    qint64 spanMs = 0;
    qint64 bucketMs = 0;
};
const QList<MetricsRange> &metricsRanges();

// The Metrics panel's summary table: one row per function.
class MetricsTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        FunctionColumn,
        InvocationsColumn,
        ErrorsColumn,
        ThrottlesColumn,
        ColdStartsColumn,
        P50Column,
        P90Column,
        P99Column,
        QueuedP99Column,
        MemoryColumn,
        ColumnCount
    };
    // The figure as a number, for sorting ("–" sorts as 0).
    static constexpr int SortRole = Qt::UserRole + 1;

    explicit MetricsTableModel(QObject *parent = nullptr);

    // Replaces the rows; the same functions as before are updated in place (a refresh every
    // few seconds keeps the selection and the scroll position).
    void setFunctions(const QList<FunctionMetrics> &functions);
    const QList<FunctionMetrics> &functions() const { return m_rows; }
    // The row of `function`, -1 when it has none.
    int rowOf(const QString &function) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    QList<FunctionMetrics> m_rows;
};

} // namespace nimbus::studio
