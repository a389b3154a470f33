#include "metricsmodel.h"

#include <QColor>
#include <QJsonArray>
#include <numeric>

namespace nimbus::studio {

namespace {

QString milliseconds(double ms) {
    if (ms <= 0)
        return QStringLiteral("–");
    return QString::number(ms, 'f', ms < 10 ? 2 : (ms < 100 ? 1 : 0));
}

} // namespace

qint64 MetricsSnapshot::totalInvocations() const {
    return std::accumulate(
        functions.begin(), functions.end(), qint64(0),
        [](qint64 sum, const FunctionMetrics &f) { return sum + f.invocations; });
}

MetricsSnapshot metricsFromJson(const QJsonObject &answer) {
    MetricsSnapshot snapshot;
    for (const auto &value : answer.value("Functions").toArray()) {
        const QJsonObject o = value.toObject();
        FunctionMetrics f;
        f.function = o.value("function").toString();
        f.invocations = o.value("invocations").toInteger();
        f.errors = o.value("errors").toInteger();
        f.throttles = o.value("throttles").toInteger();
        f.coldStarts = o.value("coldStarts").toInteger();
        f.p50Ms = o.value("p50Ms").toDouble();
        f.p90Ms = o.value("p90Ms").toDouble();
        f.p99Ms = o.value("p99Ms").toDouble();
        f.queuedP99Ms = o.value("queuedP99Ms").toDouble();
        f.maxMemoryMb = o.value("maxMemoryMB").toInt();
        snapshot.functions.append(f);
    }
    for (const auto &value : answer.value("Series").toArray()) {
        const QJsonObject o = value.toObject();
        MetricsSeries series;
        series.function = o.value("function").toString();
        for (const auto &p : o.value("points").toArray()) {
            const QJsonObject point = p.toObject();
            MetricsPoint m;
            m.startMs = point.value("startMs").toInteger();
            m.invocations = point.value("invocations").toInteger();
            m.errors = point.value("errors").toInteger();
            m.throttles = point.value("throttles").toInteger();
            m.coldStarts = point.value("coldStarts").toInteger();
            m.p50Ms = point.value("p50Ms").toDouble();
            m.p99Ms = point.value("p99Ms").toDouble();
            series.points.append(m);
        }
        snapshot.series.append(series);
    }
    return snapshot;
}

const QList<MetricsRange> &metricsRanges() {
    static const QList<MetricsRange> ranges{
        {QObject::tr("Last 15 minutes"), QObject::tr("the last 15 minutes"), 15 * 60'000, 30'000},
        {QObject::tr("Last hour"), QObject::tr("the last hour"), 3'600'000, 60'000},
        {QObject::tr("Last 6 hours"), QObject::tr("the last 6 hours"), 6 * 3'600'000, 5 * 60'000},
        {QObject::tr("Last day"), QObject::tr("the last day"), 24 * 3'600'000, 30 * 60'000},
    };
    return ranges;
}

MetricsTableModel::MetricsTableModel(QObject *parent)
    : QAbstractTableModel(parent) {}

void MetricsTableModel::setFunctions(const QList<FunctionMetrics> &functions) {
    bool sameRows = functions.size() == m_rows.size();
    for (int i = 0; sameRows && i < functions.size(); ++i)
        sameRows = functions[i].function == m_rows[i].function;
    if (!sameRows) {
        beginResetModel();
        m_rows = functions;
        endResetModel();
        return;
    }
    m_rows = functions;
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, 0), index(static_cast<int>(m_rows.size()) - 1, ColumnCount - 1));
}

int MetricsTableModel::rowOf(const QString &function) const {
    for (int i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].function == function)
            return i;
    return -1;
}

int MetricsTableModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int MetricsTableModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant MetricsTableModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const FunctionMetrics &f = m_rows[index.row()];
    if (role == Qt::DisplayRole || role == Qt::AccessibleTextRole) {
        switch (index.column()) {
        case FunctionColumn:
            return f.function;
        case InvocationsColumn:
            return f.invocations;
        case ErrorsColumn:
            return f.errors;
        case ThrottlesColumn:
            return f.throttles;
        case ColdStartsColumn:
            return f.coldStarts;
        case P50Column:
            return milliseconds(f.p50Ms);
        case P90Column:
            return milliseconds(f.p90Ms);
        case P99Column:
            return milliseconds(f.p99Ms);
        case QueuedP99Column:
            return milliseconds(f.queuedP99Ms);
        case MemoryColumn:
            return f.maxMemoryMb > 0 ? QVariant(f.maxMemoryMb) : QVariant(QStringLiteral("–"));
        default:
            return {};
        }
    }
    if (role == SortRole) {
        switch (index.column()) {
        case FunctionColumn:
            return f.function.toLower();
        case InvocationsColumn:
            return f.invocations;
        case ErrorsColumn:
            return f.errors;
        case ThrottlesColumn:
            return f.throttles;
        case ColdStartsColumn:
            return f.coldStarts;
        case P50Column:
            return f.p50Ms;
        case P90Column:
            return f.p90Ms;
        case P99Column:
            return f.p99Ms;
        case QueuedP99Column:
            return f.queuedP99Ms;
        case MemoryColumn:
            return f.maxMemoryMb;
        default:
            return {};
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() != FunctionColumn)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ForegroundRole && index.column() == ErrorsColumn && f.errors > 0)
        return QColor(0xc6, 0x28, 0x28);
    if (role == Qt::ForegroundRole && index.column() == ThrottlesColumn && f.throttles > 0)
        return QColor(0xb2, 0x6a, 0x00);
    if (role == Qt::ToolTipRole && index.column() == ErrorsColumn && f.invocations > 0)
        return tr("%1% of the invocations failed")
            .arg(QString::number(100.0 * static_cast<double>(f.errors) /
                                     static_cast<double>(f.invocations),
                                 'f', 1));
    return {};
}

QVariant MetricsTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::TextAlignmentRole)
        return QVariant((section == FunctionColumn ? Qt::AlignLeft : Qt::AlignRight) |
                        Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    switch (section) {
    case FunctionColumn:
        return tr("Function");
    case InvocationsColumn:
        return tr("Invocations");
    case ErrorsColumn:
        return tr("Errors");
    case ThrottlesColumn:
        return tr("Throttles");
    case ColdStartsColumn:
        return tr("Cold starts");
    case P50Column:
        return role == Qt::ToolTipRole ? tr("Median duration (ms)") : tr("p50 ms");
    case P90Column:
        return role == Qt::ToolTipRole ? tr("90th percentile duration (ms)") : tr("p90 ms");
    case P99Column:
        return role == Qt::ToolTipRole ? tr("99th percentile duration (ms)") : tr("p99 ms");
    case QueuedP99Column:
        return role == Qt::ToolTipRole
                   ? tr("99th percentile of the time invocations waited for an instance (ms)")
                   : tr("Queued p99 ms");
    case MemoryColumn:
        return role == Qt::ToolTipRole ? tr("Most memory any invocation used (MB)")
                                       : tr("Max memory MB");
    default:
        return {};
    }
}

} // namespace nimbus::studio
