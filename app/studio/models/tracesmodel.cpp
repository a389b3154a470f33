#include "tracesmodel.h"

#include <QColor>
#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <algorithm>
#include <cmath>

namespace nimbus::studio {

namespace {

const QColor kErrorColor(0xc6, 0x28, 0x28);

TraceSpan spanFromJson(const QJsonObject &o) {
    TraceSpan span;
    span.traceId = o.value("traceId").toString();
    span.spanId = o.value("spanId").toString();
    span.parentId = o.value("parentId").toString();
    span.name = o.value("name").toString();
    span.kind = o.value("kind").toString("internal");
    span.function = o.value("function").toString();
    span.startUs = o.value("startUs").toInteger();
    span.durationUs = std::max<qint64>(0, o.value("durationUs").toInteger());
    span.error = o.value("status").toString() == "error";
    span.statusMessage = o.value("statusMessage").toString();
    const QJsonObject attributes = o.value("attributes").toObject();
    for (auto it = attributes.begin(); it != attributes.end(); ++it)
        span.attributes.append({it.key(), it.value().isString()
                                              ? it.value().toString()
                                              : it.value().toVariant().toString()});
    return span;
}

// A tick's label in the unit the whole scale reads best in (µs, ms or s), with as many
// decimals as the step needs.
QString tickLabel(qint64 us, qint64 stepUs, qint64 durationUs) {
    if (us == 0)
        return QStringLiteral("0");
    const qint64 unit = durationUs >= 1'000'000 ? 1'000'000 : (durationUs >= 1000 ? 1000 : 1);
    const QString name = unit == 1'000'000 ? QStringLiteral("s")
                         : unit == 1000    ? QStringLiteral("ms")
                                           : QStringLiteral("µs");
    const int decimals = stepUs % unit == 0 ? 0 : ((stepUs * 10) % unit == 0 ? 1 : 2);
    return QStringLiteral("%1 %2")
        .arg(static_cast<double>(us) / static_cast<double>(unit), 0, 'f', decimals)
        .arg(name);
}

} // namespace

QStringList TraceRecord::functions() const {
    QStringList out;
    for (const TraceSpan &span : spans)
        if (!span.function.isEmpty() && !out.contains(span.function))
            out.append(span.function);
    return out;
}

TraceRecord traceFromJson(const QJsonObject &object) {
    TraceRecord trace;
    trace.traceId = object.value("traceId").toString();
    trace.name = object.value("name").toString();
    trace.startUs = object.value("startUs").toInteger();
    trace.durationUs = std::max<qint64>(0, object.value("durationUs").toInteger());
    trace.error = object.value("error").toBool();
    QHash<QString, int> depths;
    for (const auto &value : object.value("spans").toArray()) {
        TraceSpan span = spanFromJson(value.toObject());
        // Parents come before their children; a parent not in the trace (it was not
        // recorded, or is still running) makes its child a root.
        const auto parent = depths.constFind(span.parentId);
        span.depth = span.parentId.isEmpty() || parent == depths.constEnd() ? 0 : *parent + 1;
        depths.insert(span.spanId, span.depth);
        trace.spans.append(span);
    }
    if (trace.name.isEmpty() && !trace.spans.isEmpty())
        trace.name = trace.spans.first().name;
    return trace;
}

QList<TraceRecord> tracesFromJson(const QJsonObject &answer) {
    QList<TraceRecord> traces;
    for (const auto &value : answer.value("Traces").toArray())
        traces.append(traceFromJson(value.toObject()));
    return traces;
}

QString formatDurationUs(qint64 us) {
    if (us < 1000)
        return QStringLiteral("%1 µs").arg(us);
    const double ms = static_cast<double>(us) / 1000.0;
    if (ms < 10)
        return QStringLiteral("%1 ms").arg(ms, 0, 'f', 2);
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms, 0, 'f', 1);
    return QStringLiteral("%1 s").arg(ms / 1000.0, 0, 'f', 2);
}

WaterfallLayout::WaterfallLayout(const TraceRecord &trace) {
    if (trace.spans.isEmpty())
        return;
    // The spans decide the scale (a trace's own figures may be rounded differently).
    qint64 start = trace.spans.first().startUs;
    qint64 end = start;
    for (const TraceSpan &span : trace.spans) {
        start = std::min(start, span.startUs);
        end = std::max(end, span.startUs + span.durationUs);
    }
    m_startUs = start;
    m_durationUs = end - start;
    const double scale = m_durationUs > 0 ? 1.0 / static_cast<double>(m_durationUs) : 0.0;
    for (int i = 0; i < trace.spans.size(); ++i) {
        const TraceSpan &span = trace.spans[i];
        Row row;
        row.span = i;
        row.depth = span.depth;
        row.start = static_cast<double>(span.startUs - start) * scale;
        row.width = static_cast<double>(span.durationUs) * scale;
        m_maxDepth = std::max(m_maxDepth, span.depth);
        m_rows.append(row);
    }
}

qint64 WaterfallLayout::tickStepUs(qint64 durationUs, int maximum) {
    if (durationUs <= 0 || maximum < 1)
        return 1;
    const double raw = static_cast<double>(durationUs) / maximum;
    qint64 magnitude = 1;
    while (static_cast<double>(magnitude) * 10 <= raw)
        magnitude *= 10;
    for (const qint64 factor : {1, 2, 5, 10})
        if (static_cast<double>(magnitude * factor) >= raw)
            return magnitude * factor;
    return magnitude * 10;
}

QList<WaterfallLayout::Tick> WaterfallLayout::ticks(int maximum) const {
    QList<Tick> out;
    if (m_durationUs <= 0)
        return {{0.0, QStringLiteral("0")}};
    const qint64 step = tickStepUs(m_durationUs, maximum);
    for (qint64 us = 0; us <= m_durationUs; us += step)
        out.append({static_cast<double>(us) / static_cast<double>(m_durationUs),
                    tickLabel(us, step, m_durationUs)});
    return out;
}

// ---- TracesModel ------------------------------------------------------------------------

TracesModel::TracesModel(QObject *parent)
    : QAbstractTableModel(parent) {}

void TracesModel::setTraces(const QList<TraceRecord> &traces) {
    bool same = traces.size() == m_traces.size();
    for (int i = 0; same && i < traces.size(); ++i)
        same = traces[i].traceId == m_traces[i].traceId &&
               traces[i].spans.size() == m_traces[i].spans.size() &&
               traces[i].durationUs == m_traces[i].durationUs;
    if (same)
        return; // nothing new: the view keeps its selection untouched
    beginResetModel();
    m_traces = traces;
    endResetModel();
}

const TraceRecord *TracesModel::trace(const QString &traceId) const {
    const int row = rowOf(traceId);
    return row < 0 ? nullptr : &m_traces[row];
}

int TracesModel::rowOf(const QString &traceId) const {
    for (int i = 0; i < m_traces.size(); ++i)
        if (m_traces[i].traceId == traceId)
            return i;
    return -1;
}

int TracesModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_traces.size());
}

int TracesModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TracesModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= m_traces.size())
        return {};
    const TraceRecord &t = m_traces[index.row()];
    if (role == TraceIdRole)
        return t.traceId;
    if (role == ErrorRole)
        return t.error;
    if (role == Qt::DisplayRole || role == Qt::AccessibleTextRole) {
        switch (index.column()) {
        case TimeColumn:
            return QDateTime::fromMSecsSinceEpoch(t.startUs / 1000).toString("HH:mm:ss");
        case NameColumn:
            return t.name;
        case DurationColumn:
            return formatDurationUs(t.durationUs);
        case SpansColumn:
            return static_cast<int>(t.spans.size());
        case StatusColumn:
            return t.error ? tr("Error") : (role == Qt::AccessibleTextRole ? tr("OK") : QString());
        default:
            return {};
        }
    }
    if (role == Qt::ForegroundRole && t.error &&
        (index.column() == StatusColumn || index.column() == NameColumn))
        return kErrorColor;
    if (role == Qt::TextAlignmentRole &&
        (index.column() == DurationColumn || index.column() == SpansColumn))
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole)
        return tr("%1\nstarted %2, %n span(s)\ntrace %3", nullptr, static_cast<int>(t.spans.size()))
            .arg(t.name,
                 QDateTime::fromMSecsSinceEpoch(t.startUs / 1000)
                     .toString("yyyy-MM-dd HH:mm:ss.zzz"),
                 t.traceId);
    return {};
}

QVariant TracesModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case NameColumn:
        return tr("Trace");
    case DurationColumn:
        return tr("Duration");
    case SpansColumn:
        return tr("Spans");
    case StatusColumn:
        return tr("Status");
    default:
        return {};
    }
}

// ---- WaterfallModel ---------------------------------------------------------------------

WaterfallModel::WaterfallModel(QObject *parent)
    : QStandardItemModel(parent) {
    setHorizontalHeaderLabels({tr("Span"), tr("Duration"), tr("Timeline")});
}

void WaterfallModel::clearTrace() {
    setTrace(TraceRecord{});
}

void WaterfallModel::setTrace(const TraceRecord &trace) {
    removeRows(0, rowCount());
    m_trace = trace;
    m_layout = WaterfallLayout(trace);
    m_items.clear();
    QHash<QString, QStandardItem *> bySpanId;
    for (const WaterfallLayout::Row &row : m_layout.rows()) {
        const TraceSpan &span = trace.spans[row.span];
        auto *name = new QStandardItem(span.name);
        auto *duration = new QStandardItem(formatDurationUs(span.durationUs));
        const qint64 offsetUs = span.startUs - m_layout.startUs();
        auto *timeline = new QStandardItem();
        // What the bar shows, in words (the delegate paints the bar; this is for a reader).
        timeline->setData(tr("starts at +%1, lasts %2")
                              .arg(formatDurationUs(offsetUs), formatDurationUs(span.durationUs)),
                          Qt::AccessibleTextRole);
        const QString tip =
            tr("%1\n%2 span%3, +%4, %5%6")
                .arg(span.name, span.kind,
                     span.function.isEmpty() ? QString() : " · " + span.function,
                     formatDurationUs(offsetUs), formatDurationUs(span.durationUs),
                     span.error ? tr("\nerror: %1").arg(span.statusMessage) : QString());
        for (QStandardItem *item : {name, duration, timeline}) {
            item->setEditable(false);
            item->setData(row.span, SpanIndexRole);
            item->setData(row.start, BarStartRole);
            item->setData(row.width, BarWidthRole);
            item->setData(span.error, ErrorRole);
            item->setData(span.kind, KindRole);
            item->setData(span.depth, DepthRole);
            item->setToolTip(tip);
        }
        duration->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        if (span.error) {
            name->setForeground(kErrorColor);
            name->setData(tr("%1 (error: %2)").arg(span.name, span.statusMessage),
                          Qt::AccessibleTextRole);
        }
        QStandardItem *parent = bySpanId.value(span.parentId, nullptr);
        (parent ? parent : invisibleRootItem())->appendRow({name, duration, timeline});
        bySpanId.insert(span.spanId, name);
        m_items.append(name);
    }
    emit traceChanged();
}

QStandardItem *WaterfallModel::itemForSpan(int spanIndex) const {
    return spanIndex >= 0 && spanIndex < m_items.size() ? m_items[spanIndex] : nullptr;
}

} // namespace nimbus::studio
