#include "metricspanel.h"

#include "clients/simulatorconnection.h"
#include "models/functionsmodel.h"
#include "filterbar.h"
#include "panelstate.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPointer>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>
#include <cmath>
#include <numeric>

namespace nimbus::studio {

namespace {

constexpr int kRefreshMs = 3000;
constexpr int kDefaultRange = 1; // the last hour
// Lines in the All view: more than this many functions would not be told apart.
constexpr int kMostFunctionsCharted = 6;

const QColor kErrorColor(0xd3, 0x2f, 0x2f);

// Colours told apart by most eyes (Tableau 10, without its red: red means errors here).
QColor functionColor(int i) {
    static const QColor colors[] = {QColor(0x4e, 0x79, 0xa7), QColor(0xf2, 0x8e, 0x2b),
                                    QColor(0x59, 0xa1, 0x4f), QColor(0xb0, 0x7a, 0xa1),
                                    QColor(0x76, 0xb7, 0xb2), QColor(0x9c, 0x75, 0x5f)};
    return colors[i % 6];
}

QChart *makeChart(const QString &title) {
    auto *chart = new QChart();
    chart->setTitle(title);
    QFont titleFont = chart->titleFont();
    titleFont.setBold(true);
    chart->setTitleFont(titleFont);
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->setMargins(QMargins(4, 2, 4, 2));
    chart->setBackgroundRoundness(0);
    chart->legend()->setAlignment(Qt::AlignBottom);
    return chart;
}

QChartView *makeView(QChart *chart, const QString &name, QWidget *parent) {
    auto *view = new QChartView(chart, parent);
    view->setObjectName(name);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumSize(260, 160);
    view->setFocusPolicy(Qt::StrongFocus);
    return view;
}

// A count axis from 0 with whole-number ticks.
void setCountRange(QValueAxis *axis, double max) {
    const int top = std::max(1, static_cast<int>(std::ceil(max)));
    if (top <= 5) {
        axis->setRange(0, top);
        axis->setTickCount(top + 1);
        return;
    }
    axis->setRange(0, top);
    axis->applyNiceNumbers();
    axis->setMin(0);
}

QLineSeries *addLine(QChart *chart, const QString &name, const QColor &color, bool dashed,
                     QAbstractAxis *x, QAbstractAxis *y) {
    auto *series = new QLineSeries();
    series->setName(name);
    QPen pen(color);
    pen.setWidthF(2.0);
    if (dashed)
        pen.setStyle(Qt::DashLine);
    series->setPen(pen);
    chart->addSeries(series);
    series->attachAxis(x);
    series->attachAxis(y);
    return series;
}

// The series to chart: the busiest functions' (more would not be told apart), by name so
// that each keeps its colour from one refresh to the next.
QList<MetricsSeries> chartedSeries(const MetricsSnapshot &snapshot, bool *truncated) {
    QList<MetricsSeries> series = snapshot.series;
    auto total = [](const MetricsSeries &s) {
        return std::accumulate(
            s.points.begin(), s.points.end(), qint64(0),
            [](qint64 sum, const MetricsPoint &p) { return sum + p.invocations; });
    };
    std::stable_sort(series.begin(), series.end(),
                     [&total](const auto &a, const auto &b) { return total(a) > total(b); });
    *truncated = series.size() > kMostFunctionsCharted;
    series = series.mid(0, kMostFunctionsCharted);
    std::sort(series.begin(), series.end(),
              [](const auto &a, const auto &b) { return a.function < b.function; });
    return series;
}

} // namespace

MetricsPanel::MetricsPanel(SimulatorConnection *simulator, FunctionsModel *functions,
                           QWidget *parent)
    : QWidget(parent)
    , m_model(new MetricsTableModel(this)) {
    setAccessibleName(tr("Metrics"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 0);
    layout->setSpacing(4);

    m_bar = new FilterBar(functions, "metrics", tr("metrics"), this);
    m_range = new QComboBox(this);
    m_range->setObjectName("metricsRange");
    m_range->setAccessibleName(tr("Range"));
    for (const MetricsRange &r : metricsRanges())
        m_range->addItem(r.label);
    m_range->setCurrentIndex(kDefaultRange);
    m_bar->addControl(new QLabel(tr("&Range:"), this), m_range);
    layout->addWidget(m_bar);

    // The table over the two charts, side by side: the charts want the width.
    auto *content = new QSplitter(Qt::Vertical);
    content->setObjectName("metricsSplitter");
    content->setChildrenCollapsible(false);
    auto *charts = new QSplitter(Qt::Horizontal);
    charts->setObjectName("metricsChartsSplitter");
    charts->setChildrenCollapsible(false);
    auto *proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_model);
    proxy->setSortRole(MetricsTableModel::SortRole);
    m_table = new QTableView(content);
    m_table->setObjectName("metricsTable");
    m_table->setAccessibleName(tr("Metrics per function"));
    m_table->setModel(proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(MetricsTableModel::FunctionColumn, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setShowGrid(false);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->horizontalHeader()->setSectionResizeMode(MetricsTableModel::FunctionColumn,
                                                      QHeaderView::Stretch);
    m_table->setMinimumHeight(m_table->verticalHeader()->defaultSectionSize() * 3);
    content->addWidget(m_table);

    m_invocationsChart = makeChart(tr("Invocations and errors"));
    m_invocationsTime = new QDateTimeAxis(m_invocationsChart);
    m_countAxis = new QValueAxis(m_invocationsChart);
    m_countAxis->setLabelFormat("%d");
    m_invocationsChart->addAxis(m_invocationsTime, Qt::AlignBottom);
    m_invocationsChart->addAxis(m_countAxis, Qt::AlignLeft);
    m_invocationsView = makeView(m_invocationsChart, "metricsInvocationsChart", charts);
    m_invocationsView->setAccessibleName(tr("Invocations and errors over time"));
    charts->addWidget(m_invocationsView);

    m_durationChart = makeChart(tr("Duration (ms)"));
    m_durationTime = new QDateTimeAxis(m_durationChart);
    m_durationAxis = new QValueAxis(m_durationChart);
    m_durationAxis->setLabelFormat("%.0f");
    m_durationChart->addAxis(m_durationTime, Qt::AlignBottom);
    m_durationChart->addAxis(m_durationAxis, Qt::AlignLeft);
    m_durationView = makeView(m_durationChart, "metricsDurationChart", charts);
    m_durationView->setAccessibleName(tr("Duration p50 and p99 over time"));
    charts->addWidget(m_durationView);
    content->addWidget(charts);
    m_invocationsView->installEventFilter(this);
    m_durationView->installEventFilter(this);
    content->setStretchFactor(0, 1);
    content->setStretchFactor(1, 3);
    content->setSizes({100, 300});

    m_states = new StateStack(content, tr("Metrics"), this);
    m_states->setObjectName("metricsStates");
    m_states->messageLabel()->setObjectName("metricsMessage");
    layout->addWidget(m_states, 1);

    connect(m_bar, &FilterBar::functionChosen, this, [this] { refresh(); });
    connect(m_range, &QComboBox::activated, this, [this] { refresh(); });
    connect(m_bar, &FilterBar::refreshRequested, this, &MetricsPanel::refresh);
    m_reader = new SimulatorReader(simulator, "/_nimbus/metrics", this);
    m_poller = new VisibleRefresh(this, simulator, kRefreshMs, [this] { refresh(); });
}

bool MetricsPanel::isPolling() const {
    return m_poller->isPolling();
}

void MetricsPanel::setFunction(const QString &function) {
    m_bar->setFunction(function);
    refresh();
}

QLabel *MetricsPanel::status() const {
    return m_bar->status();
}

QString MetricsPanel::function() const {
    return m_bar->function();
}

void MetricsPanel::setRange(int index) {
    m_range->setCurrentIndex(std::clamp(index, 0, static_cast<int>(metricsRanges().size()) - 1));
    refresh();
}

const MetricsRange &MetricsPanel::range() const {
    return metricsRanges().at(std::max(0, m_range->currentIndex()));
}

void MetricsPanel::showUnavailable(const QString &why) {
    m_model->setFunctions({});
    m_bar->status()->clear();
    m_states->showMessage(why, StateStack::Tone::Error);
}

void MetricsPanel::refresh() {
    const MetricsRange r = range();
    const qint64 toMs = QDateTime::currentMSecsSinceEpoch();
    const qint64 fromMs = toMs - r.spanMs;
    const QString function = QString::fromUtf8(QUrl::toPercentEncoding(this->function()));
    const QString query = QStringLiteral("since=%1&function=%2&bucket=%3")
                              .arg(fromMs)
                              .arg(function)
                              .arg(r.bucketMs);
    // (The key leaves the times out: a read of the same function and range still out will do.)
    const auto status = m_reader->read(
        function + "|" + r.label, query,
        [this, fromMs, toMs](const QJsonObject &answer, const QString &error) {
            if (!error.isEmpty())
                showUnavailable(tr("Metrics could not be read: %1").arg(error));
            else
                show(metricsFromJson(answer), fromMs, toMs);
            emit refreshed();
        });
    if (status == SimulatorReader::Status::Starting)
        m_states->showMessage(tr("The simulator is starting…"), StateStack::Tone::Empty);
    else if (status == SimulatorReader::Status::NotRunning)
        showUnavailable(m_reader->notRunning(tr("metrics")));
    if (status == SimulatorReader::Status::Starting || status == SimulatorReader::Status::NotRunning)
        emit refreshed();
}

void MetricsPanel::show(const MetricsSnapshot &snapshot, qint64 fromMs, qint64 toMs) {
    m_model->setFunctions(snapshot.functions);
    m_bar->status()->setText(tr("Updated %1").arg(QTime::currentTime().toString("HH:mm:ss")));
    if (snapshot.totalInvocations() == 0) {
        const QString name = function();
        m_states->showMessage(
            name.isEmpty() ? tr("No invocations in %1 — invoke a function to see its metrics")
                                 .arg(range().phrase)
                           : tr("No invocations of %1 in %2 — invoke it to see its metrics")
                                 .arg(name, range().phrase),
            StateStack::Tone::Empty);
        return;
    }
    m_states->showContent();
    showCharts(snapshot, fromMs, toMs);
    // What the charts show, in words, for a screen reader.
    QStringList summary;
    for (const FunctionMetrics &f : snapshot.functions)
        summary.append(tr("%1: %2 invocations, %3 errors, p50 %4 ms, p99 %5 ms, queued p99 %6 ms")
                           .arg(f.function)
                           .arg(f.invocations)
                           .arg(f.errors)
                           .arg(f.p50Ms, 0, 'f', 1)
                           .arg(f.p99Ms, 0, 'f', 1)
                           .arg(f.queuedP99Ms, 0, 'f', 1));
    m_invocationsView->setAccessibleDescription(summary.join("; "));
    m_durationView->setAccessibleDescription(summary.join("; "));
}

void MetricsPanel::showCharts(const MetricsSnapshot &snapshot, qint64 fromMs, qint64 toMs) {
    m_invocationsChart->removeAllSeries();
    m_durationChart->removeAllSeries();
    bool truncated = false;
    const QList<MetricsSeries> series = chartedSeries(snapshot, &truncated);
    const bool all = function().isEmpty() && series.size() > 1;

    qint64 firstMs = fromMs;
    double maxCount = 0, maxDuration = 0;
    QMap<qint64, qint64> errorsByTime; // every function's errors, per bucket
    for (int i = 0; i < series.size(); ++i) {
        const MetricsSeries &s = series[i];
        const QColor color = all ? functionColor(i) : functionColor(0);
        QLineSeries *invocations = addLine(m_invocationsChart, all ? s.function : tr("Invocations"),
                                           color, false, m_invocationsTime, m_countAxis);
        QLineSeries *p50 = addLine(m_durationChart, all ? s.function + " p50" : tr("p50"), color,
                                   false, m_durationTime, m_durationAxis);
        QLineSeries *p99 = addLine(m_durationChart, all ? s.function + " p99" : tr("p99"),
                                   all ? color.lighter(140) : kErrorColor.darker(110), true,
                                   m_durationTime, m_durationAxis);
        p50->setPointsVisible(true);
        p99->setPointsVisible(true);
        for (const MetricsPoint &p : s.points) {
            firstMs = std::min(firstMs, p.startMs);
            invocations->append(static_cast<qreal>(p.startMs), static_cast<qreal>(p.invocations));
            errorsByTime[p.startMs] += p.errors;
            maxCount = std::max(maxCount, static_cast<double>(p.invocations));
            // A bucket where nothing ran has no duration: the line goes from one that did to
            // the next rather than down to zero.
            if (p.hasDurations()) {
                p50->append(static_cast<qreal>(p.startMs), p.p50Ms);
                p99->append(static_cast<qreal>(p.startMs), p.p99Ms);
                maxDuration = std::max(maxDuration, p.p99Ms);
            }
        }
    }
    QLineSeries *errors = addLine(m_invocationsChart, all ? tr("Errors (all)") : tr("Errors"),
                                  kErrorColor, true, m_invocationsTime, m_countAxis);
    for (auto it = errorsByTime.cbegin(); it != errorsByTime.cend(); ++it)
        errors->append(static_cast<qreal>(it.key()), static_cast<qreal>(it.value()));

    const MetricsRange &r = range();
    const QString format =
        r.spanMs > 6 * 3'600'000 ? QStringLiteral("ddd HH:mm") : QStringLiteral("HH:mm");
    for (QDateTimeAxis *axis : {m_invocationsTime, m_durationTime})
        axis->setFormat(format);
    m_axisFromMs = firstMs;
    m_axisToMs = toMs;
    fitTimeTicks();
    setCountRange(m_countAxis, maxCount);
    m_durationAxis->setRange(0, maxDuration > 0 ? maxDuration * 1.1 : 1);
    m_durationAxis->applyNiceNumbers();
    m_durationAxis->setMin(0);
    m_durationAxis->setLabelFormat(m_durationAxis->max() < 5 ? "%.1f" : "%.0f");
    m_invocationsChart->setTitle(
        truncated
            ? tr("Invocations and errors (the %1 busiest functions)").arg(kMostFunctionsCharted)
            : tr("Invocations and errors"));
}

void MetricsPanel::fitTimeTicks() {
    if (m_axisToMs <= m_axisFromMs)
        return;
    // As many time labels as fit without eliding ("ddd HH:mm" needs more room than "HH:mm"),
    // at round times: the range is widened to whole steps of 1, 2, 5, 10, 15, 30 minutes or
    // 1, 2, 3, 6, 12 hours, in local time.
    const int labelWidth = fontMetrics().horizontalAdvance(
                               m_invocationsTime->format() == "HH:mm" ? "00:00" : "Wed 00:00") +
                           28;
    static const qint64 steps[] = {60'000,        120'000,       300'000,       600'000,
                                   900'000,       1'800'000,     3'600'000,     7'200'000,
                                   3 * 3'600'000, 6 * 3'600'000, 12 * 3'600'000};
    const qint64 offset = static_cast<qint64>(QDateTime::currentDateTime().offsetFromUtc()) * 1000;
    const QList<QPair<QChartView *, QDateTimeAxis *>> charts{{m_invocationsView, m_invocationsTime},
                                                             {m_durationView, m_durationTime}};
    for (const auto &[view, axis] : charts) {
        const int plotWidth = static_cast<int>(view->chart()->plotArea().width());
        const int width = plotWidth > 0 ? plotWidth : view->width() - 60;
        const int maximum = std::clamp(width / labelWidth, 1, 8); // intervals
        for (const qint64 step : steps) { // the smallest step whose ticks fit
            const qint64 from = (m_axisFromMs + offset) / step * step - offset;
            const qint64 to = (m_axisToMs + offset + step - 1) / step * step - offset;
            if ((to - from) / step <= maximum || step == std::end(steps)[-1]) {
                axis->setRange(QDateTime::fromMSecsSinceEpoch(from),
                               QDateTime::fromMSecsSinceEpoch(to));
                axis->setTickCount(static_cast<int>((to - from) / step) + 1);
                break;
            }
        }
    }
}

bool MetricsPanel::eventFilter(QObject *watched, QEvent *event) {
    // A chart resized (the dock, the splitter): its plot area is laid out after this event.
    if (event->type() == QEvent::Resize &&
        (watched == m_invocationsView || watched == m_durationView))
        QTimer::singleShot(0, this, &MetricsPanel::fitTimeTicks);
    return QWidget::eventFilter(watched, event);
}

} // namespace nimbus::studio
