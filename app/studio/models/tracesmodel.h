#pragma once

#include <QAbstractTableModel>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QStandardItemModel>
#include <QString>

namespace nimbus::studio {

// One span of a trace, as /_nimbus/traces gives it; `depth` is worked out on reading
// (the root is 0).
struct TraceSpan {
    QString traceId;
    QString spanId;
    QString parentId;
    QString name;
    QString kind; // "server", "internal", "consumer", ...
    QString function;
    qint64 startUs = 0; // Unix time
    qint64 durationUs = 0;
    bool error = false;
    QString statusMessage;
    QList<QPair<QString, QString>> attributes; // by name
    int depth = 0;
};

struct TraceRecord {
    QString traceId;
    QString name; // the root span's
    qint64 startUs = 0;
    qint64 durationUs = 0;
    bool error = false;
    QList<TraceSpan> spans; // parents before children, siblings by start
    // The functions its spans concern, in order of appearance.
    QStringList functions() const;
};

TraceRecord traceFromJson(const QJsonObject &object);
QList<TraceRecord> tracesFromJson(const QJsonObject &answer); // {"Traces": [...]}

// "850 µs", "12.4 ms", "3.20 s": a duration as people read it.
QString formatDurationUs(qint64 us);

// Where each span of a trace goes on a waterfall: its row's depth, and its bar as fractions
// of the trace's duration (0 is the trace's start, 1 its end); the time scale's ticks at
// round steps (1, 2 or 5 times a power of ten).
class WaterfallLayout {
public:
    struct Row {
        int span = 0; // index in the trace's spans
        int depth = 0;
        double start = 0; // fraction of the trace's duration
        double width = 0; // fraction, at least 0 (a zero-length span is a hairline)
    };
    struct Tick {
        double position = 0; // fraction of the trace's duration
        QString label;
    };

    WaterfallLayout() = default;
    explicit WaterfallLayout(const TraceRecord &trace);

    const QList<Row> &rows() const { return m_rows; }
    qint64 startUs() const { return m_startUs; }
    qint64 durationUs() const { return m_durationUs; }
    int maxDepth() const { return m_maxDepth; }
    // At most `maximum` ticks from 0 to the end, the first at 0.
    QList<Tick> ticks(int maximum) const;
    // A round step (1, 2, 5 × 10^n) giving at most `maximum` ticks over `durationUs`.
    static qint64 tickStepUs(qint64 durationUs, int maximum);

private:
    QList<Row> m_rows;
    qint64 m_startUs = 0;
    qint64 m_durationUs = 0;
    int m_maxDepth = 0;
};

// The Traces panel's list: the recent traces, newest first.
class TracesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TimeColumn, NameColumn, DurationColumn, SpansColumn, StatusColumn, ColumnCount };
    enum Role { TraceIdRole = Qt::UserRole + 1, ErrorRole };

    explicit TracesModel(QObject *parent = nullptr);

    void setTraces(const QList<TraceRecord> &traces);
    const QList<TraceRecord> &traces() const { return m_traces; }
    const TraceRecord *trace(const QString &traceId) const;
    int rowOf(const QString &traceId) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    QList<TraceRecord> m_traces;
};

// One trace's spans as a tree (a child under its parent), for the waterfall view: the name
// column is the span's name, indented by the tree; the timeline column carries the bar's
// place as roles, painted by the waterfall's delegate; every row's text is there for a
// screen reader.
class WaterfallModel : public QStandardItemModel {
    Q_OBJECT
public:
    enum Column { NameColumn, DurationColumn, TimelineColumn, ColumnCount };
    enum Role {
        SpanIndexRole = Qt::UserRole + 1, // index in the trace's spans
        BarStartRole,                     // double, fraction of the trace
        BarWidthRole,                     // double
        ErrorRole,                        // bool
        KindRole,                         // QString
        DepthRole,                        // int
    };

    explicit WaterfallModel(QObject *parent = nullptr);

    void setTrace(const TraceRecord &trace);
    void clearTrace();
    const TraceRecord &trace() const { return m_trace; }
    const WaterfallLayout &layout() const { return m_layout; }
    // The item of span `spanIndex` (column 0), null when out of range.
    QStandardItem *itemForSpan(int spanIndex) const;

signals:
    // setTrace() is done: every span is in.
    void traceChanged();

private:
    TraceRecord m_trace;
    WaterfallLayout m_layout;
    QList<QStandardItem *> m_items; // per span
};

} // namespace nimbus::studio
