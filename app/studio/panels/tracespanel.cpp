#include "tracespanel.h"

#include "clients/simulatorconnection.h"
#include "models/functionsmodel.h"
#include "filterbar.h"
#include "panelstate.h"
#include "section.h"
#include "waterfallview.h"

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTime>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>

namespace nimbus::studio {

namespace {

constexpr int kRefreshMs = 4000;
constexpr int kTraceLimit = 100;

QString timeOfUs(qint64 us) {
    return QDateTime::fromMSecsSinceEpoch(us / 1000).toString("HH:mm:ss.zzz");
}

} // namespace

TracesPanel::TracesPanel(SimulatorConnection *simulator, FunctionsModel *functions, QWidget *parent)
    : QWidget(parent)
    , m_traces(new TracesModel(this))
    , m_waterfall(new WaterfallModel(this)) {
    setAccessibleName(tr("Traces"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 0);
    layout->setSpacing(4);

    m_bar = new FilterBar(functions, "traces", tr("traces"), this);
    layout->addWidget(m_bar);

    auto *content = new QSplitter(Qt::Horizontal);
    content->setObjectName("tracesSplitter");
    content->setChildrenCollapsible(false);
    m_list = new QTableView();
    m_list->setObjectName("tracesList");
    m_list->setAccessibleName(tr("Recent traces"));
    m_list->setModel(m_traces);
    m_list->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setShowGrid(false);
    m_list->setWordWrap(false);
    m_list->verticalHeader()->hide();
    m_list->verticalHeader()->setDefaultSectionSize(m_list->fontMetrics().height() + 6);
    m_list->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_list->horizontalHeader()->setSectionResizeMode(TracesModel::NameColumn, QHeaderView::Stretch);
    content->addWidget(titledSection(tr("Recent traces"), m_list, content, 0));

    m_waterfallView = new WaterfallView();
    m_waterfallView->setObjectName("tracesWaterfall");
    m_waterfallView->setAccessibleName(tr("Trace waterfall"));
    m_waterfallView->setWaterfall(m_waterfall);
    auto *waterfallSection = new QWidget(content);
    auto *waterfallLayout = new QVBoxLayout(waterfallSection);
    waterfallLayout->setContentsMargins(0, 0, 0, 0);
    m_waterfallTitle = new QLabel(waterfallSection);
    m_waterfallTitle->setObjectName("tracesWaterfallTitle");
    m_waterfallTitle->setAccessibleName(tr("Trace"));
    m_waterfallTitle->setTextFormat(Qt::RichText);
    m_waterfallTitle->setBuddy(m_waterfallView);
    m_waterfallTitle->setTextInteractionFlags(Qt::TextSelectableByMouse);
    waterfallLayout->addWidget(m_waterfallTitle);
    m_waterfallView->setParent(waterfallSection);
    waterfallLayout->addWidget(m_waterfallView, 1);
    content->addWidget(waterfallSection);

    m_details = new QTreeWidget();
    m_details->setObjectName("tracesSpanDetails");
    m_details->setAccessibleName(tr("Span details"));
    m_details->setColumnCount(2);
    m_details->setHeaderLabels({tr("Field"), tr("Value")});
    m_details->setRootIsDecorated(false);
    m_details->setUniformRowHeights(true);
    m_details->setWordWrap(false);
    m_details->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    content->addWidget(titledSection(tr("Span"), m_details, content, 0));
    content->setStretchFactor(0, 3);
    content->setStretchFactor(1, 5);
    content->setStretchFactor(2, 2);
    content->setSizes({300, 480, 220});

    m_states = new StateStack(content, tr("Traces"), this);
    m_states->setObjectName("tracesStates");
    m_states->messageLabel()->setObjectName("tracesMessage");
    layout->addWidget(m_states, 1);

    connect(m_bar, &FilterBar::functionChosen, this, [this] {
        m_shownTrace.clear();
        refresh();
    });
    connect(m_bar, &FilterBar::refreshRequested, this, &TracesPanel::refresh);
    connect(m_list->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                if (const TraceRecord *t =
                        m_traces->trace(current.data(TracesModel::TraceIdRole).toString()))
                    showTrace(*t);
            });
    // A screen reader selects without moving the current index.
    connect(m_list->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this](const QItemSelection &selected) {
                if (selected.indexes().isEmpty())
                    return;
                if (const TraceRecord *t = m_traces->trace(
                        selected.indexes().first().data(TracesModel::TraceIdRole).toString()))
                    if (t->traceId != m_shownTrace)
                        showTrace(*t);
            });
    connect(m_waterfallView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                showSpan(current.isValid() ? current.data(WaterfallModel::SpanIndexRole).toInt()
                                           : -1);
            });
    m_reader = new SimulatorReader(simulator, "/_nimbus/traces", this);
    m_poller = new VisibleRefresh(this, simulator, kRefreshMs, [this] { refresh(); });
    showTrace({});
}

bool TracesPanel::isPolling() const {
    return m_poller->isPolling();
}

void TracesPanel::setFunction(const QString &function) {
    m_bar->setFunction(function);
    m_shownTrace.clear();
    refresh();
}

QString TracesPanel::function() const {
    return m_bar->function();
}

void TracesPanel::showUnavailable(const QString &why) {
    m_traces->setTraces({});
    m_bar->status()->clear();
    m_states->showMessage(why, StateStack::Tone::Error);
}

void TracesPanel::refresh() {
    const QString query = QStringLiteral("function=%1&limit=%2")
                              .arg(QString::fromUtf8(QUrl::toPercentEncoding(function())))
                              .arg(kTraceLimit);
    const auto status =
        m_reader->read(query, query, [this](const QJsonObject &answer, const QString &error) {
            if (!error.isEmpty())
                showUnavailable(tr("Traces could not be read: %1").arg(error));
            else
                showTraces(tracesFromJson(answer));
            emit refreshed();
        });
    if (status == SimulatorReader::Status::Starting)
        m_states->showMessage(tr("The simulator is starting…"), StateStack::Tone::Empty);
    else if (status == SimulatorReader::Status::NotRunning)
        showUnavailable(m_reader->notRunning(tr("traces")));
    if (status == SimulatorReader::Status::Starting || status == SimulatorReader::Status::NotRunning)
        emit refreshed();
}

void TracesPanel::showTraces(const QList<TraceRecord> &traces) {
    m_bar->status()->setText(tr("%n trace(s), updated %1", nullptr, static_cast<int>(traces.size()))
                          .arg(QTime::currentTime().toString("HH:mm:ss")));
    if (traces.isEmpty()) {
        m_traces->setTraces({});
        showTrace({});
        m_states->showMessage(
            function().isEmpty()
                ? tr("No traces yet — invoke a function or send a request to see its call chain")
                : tr("No traces through %1 yet — invoke it to see its call chain").arg(function()),
            StateStack::Tone::Empty);
        return;
    }
    m_states->showContent();
    m_traces->setTraces(traces);
    // The trace on show stays selected (its spans may have grown); else the newest is shown.
    const QString keep = m_shownTrace;
    if (keep.isEmpty() || !selectTrace(keep))
        selectTrace(traces.first().traceId);
    else if (const TraceRecord *t = m_traces->trace(keep);
             t && (t->spans.size() != m_waterfall->trace().spans.size() ||
                   t->durationUs != m_waterfall->trace().durationUs))
        showTrace(*t);
}

bool TracesPanel::selectTrace(const QString &traceId) {
    const int row = m_traces->rowOf(traceId);
    if (row < 0)
        return false;
    const QModelIndex index = m_traces->index(row, 0);
    if (m_list->currentIndex().row() != row)
        m_list->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect |
                                                             QItemSelectionModel::Rows);
    if (m_shownTrace != traceId)
        showTrace(m_traces->traces().at(row));
    return true;
}

void TracesPanel::showTrace(const TraceRecord &trace) {
    m_shownTrace = trace.traceId;
    m_waterfall->setTrace(trace);
    if (trace.traceId.isEmpty()) {
        m_waterfallTitle->setText(tr("<b>Waterfall</b>"));
        showSpan(-1);
        return;
    }
    m_waterfallTitle->setText(
        tr("<b>%1</b> &nbsp;%2 · %n span(s) · %3%4", nullptr, static_cast<int>(trace.spans.size()))
            .arg(trace.name.toHtmlEscaped(), formatDurationUs(trace.durationUs),
                 QDateTime::fromMSecsSinceEpoch(trace.startUs / 1000).toString("HH:mm:ss"),
                 trace.error ? tr(" · <span style=\"color:#c62828\">error</span>") : QString()));
    // The first failing span is the one to look at; else the root.
    int focus = 0;
    for (int i = 0; i < trace.spans.size(); ++i)
        if (trace.spans[i].error) {
            focus = i;
            if (trace.spans[i].depth > 0)
                break; // the deepest failure says more than the root's echo of it
        }
    selectSpan(focus);
}

void TracesPanel::selectSpan(int spanIndex) {
    QStandardItem *item = m_waterfall->itemForSpan(spanIndex);
    if (!item) {
        showSpan(-1);
        return;
    }
    m_waterfallView->selectionModel()->setCurrentIndex(
        item->index(), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    showSpan(spanIndex);
}

void TracesPanel::showSpan(int spanIndex) {
    m_details->clear();
    const TraceRecord &trace = m_waterfall->trace();
    if (spanIndex < 0 || spanIndex >= trace.spans.size())
        return;
    const TraceSpan &span = trace.spans[spanIndex];
    auto add = [this](const QString &field, const QString &value, bool error = false) {
        auto *item = new QTreeWidgetItem(m_details, {field, value});
        item->setToolTip(1, value);
        if (error)
            item->setForeground(1, QColor(0xc6, 0x28, 0x28));
        return item;
    };
    add(tr("Name"), span.name);
    add(tr("Status"), span.error ? tr("error") : tr("ok"), span.error);
    if (!span.statusMessage.isEmpty())
        add(tr("Status message"), span.statusMessage, span.error);
    add(tr("Kind"), span.kind);
    if (!span.function.isEmpty())
        add(tr("Function"), span.function);
    add(tr("Duration"), formatDurationUs(span.durationUs));
    add(tr("Start"), QStringLiteral("%1 (+%2)")
                         .arg(timeOfUs(span.startUs),
                              formatDurationUs(span.startUs - m_waterfall->layout().startUs())));
    add(tr("Trace ID"), span.traceId);
    add(tr("Span ID"), span.spanId);
    add(tr("Parent ID"), span.parentId.isEmpty() ? tr("(root)") : span.parentId);
    if (!span.attributes.isEmpty()) {
        auto *heading = add(tr("Attributes"), QString());
        QFont bold = heading->font(0);
        bold.setBold(true);
        heading->setFont(0, bold);
        for (const auto &[name, value] : span.attributes)
            add("  " + name, value);
    }
}

} // namespace nimbus::studio
