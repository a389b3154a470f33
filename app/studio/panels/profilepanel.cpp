#include "profilepanel.h"

#include "flamegraphview.h"
#include "panelstate.h"

#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace nimbus::studio {

ProfilePanel::ProfilePanel(const QString &projectDir, QWidget *parent)
    : QWidget(parent)
    , m_projectDir(projectDir)
    , m_hot(new HotFramesModel(this)) {
    setAccessibleName(tr("Profile"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 0);
    layout->setSpacing(4);

    auto *bar = new QHBoxLayout();
    auto button = [this](const QString &text, const char *name) {
        auto *b = new QPushButton(text, this);
        b->setObjectName(name);
        b->setAccessibleName(QString(text).remove("…"));
        return b;
    };
    QPushButton *open = button(tr("Open Profile…"), "profileOpen");
    QPushButton *profile = button(tr("Profile Function…"), "profileRun");
    profile->setToolTip(tr("Invoke a function 10 times under the sampling profiler, with the "
                           "Invoke panel's event"));
    m_reset = button(tr("Reset Zoom"), "profileResetZoom");
    m_reset->setEnabled(false);
    m_summary = new QLabel(this);
    m_summary->setObjectName("profileSummary");
    m_summary->setAccessibleName(tr("Profile summary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_progress = new QProgressBar(this);
    m_progress->setObjectName("profileProgress");
    m_progress->setAccessibleName(tr("Profiling"));
    m_progress->setRange(0, 0); // busy: nimbus profile reports no steps
    m_progress->setMaximumWidth(160);
    m_progress->hide();
    m_cancel = button(tr("Cancel"), "profileCancel");
    m_cancel->setAccessibleName(tr("Cancel profiling"));
    m_cancel->hide();
    bar->addWidget(open);
    bar->addWidget(profile);
    bar->addWidget(m_reset);
    bar->addSpacing(12);
    bar->addWidget(m_summary, 1);
    bar->addWidget(m_progress);
    bar->addWidget(m_cancel);
    layout->addLayout(bar);

    auto *content = new QSplitter(Qt::Horizontal);
    content->setObjectName("profileSplitter");
    content->setChildrenCollapsible(false);
    m_view = new FlameGraphView();
    m_view->setObjectName("profileFlameGraph");
    m_view->setAccessibleName(tr("Flame graph"));
    m_view->setToolTip(QString()); // per box, from the view
    auto *scroll = new QScrollArea(content);
    scroll->setObjectName("profileFlameGraphScroll");
    scroll->setWidget(m_view);
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setFrameShape(QFrame::StyledPanel);
    content->addWidget(scroll);

    auto *proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_hot);
    proxy->setSortRole(HotFramesModel::SortRole);
    m_table = new QTableView(content);
    m_table->setObjectName("profileHotFrames");
    m_table->setAccessibleName(tr("Heaviest frames"));
    m_table->setModel(proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(HotFramesModel::SelfColumn, Qt::DescendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    content->addWidget(m_table);
    content->setStretchFactor(0, 3);
    content->setStretchFactor(1, 2);
    content->setSizes({600, 400});

    m_states = new StateStack(content, tr("Profile"), this);
    m_states->setObjectName("profileStates");
    m_states->messageLabel()->setObjectName("profileMessage");
    m_states->showMessage(tr("No profile open — Profile Function… runs a function under the "
                             "sampling profiler; Open Profile… shows a speedscope file"),
                          StateStack::Tone::Empty);
    layout->addWidget(m_states, 1);

    connect(open, &QPushButton::clicked, this, &ProfilePanel::openRequested);
    connect(profile, &QPushButton::clicked, this, &ProfilePanel::profileRequested);
    connect(m_cancel, &QPushButton::clicked, this, &ProfilePanel::cancelRequested);
    connect(m_reset, &QPushButton::clicked, this, &ProfilePanel::resetZoom);
    connect(m_view, &FlameGraphView::zoomChanged, this,
            [this](int node) { m_reset->setEnabled(node != 0); });
    connect(m_view, &FlameGraphView::openLocation, this, &ProfilePanel::openLocation);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                m_view->highlightFrame(
                    current.isValid() ? current.data(HotFramesModel::FrameRole).toInt() : -1);
            });
    connect(m_table, &QTableView::activated, this, [this, proxy](const QModelIndex &index) {
        const QModelIndex source = proxy->mapToSource(index);
        const FlameGraph::HotFrame &frame = m_view->graph().hotFrames().at(source.row());
        if (!frame.file.isEmpty())
            emit openLocation(frame.file, std::max(0, frame.line - 1), 0);
    });
}

const FlameGraph &ProfilePanel::graph() const {
    return m_view->graph();
}

bool ProfilePanel::isBusy() const {
    return !m_progress->isHidden();
}

void ProfilePanel::showError(const QString &error) {
    m_error = error;
    m_summary->clear();
    m_states->showMessage(error, StateStack::Tone::Error);
}

bool ProfilePanel::openFile(const QString &path) {
    FlameGraph loaded = FlameGraph::load(path);
    m_file = path;
    if (!loaded.isValid()) {
        showError(loaded.error());
        return false;
    }
    if (loaded.isEmpty()) {
        showError(tr("%1 holds no samples: the function ran too briefly for the profiler to "
                     "catch it. Profile more invocations, or give it more work.")
                      .arg(path));
        return false;
    }
    m_error.clear();
    m_view->setGraph(loaded, m_projectDir);
    m_hot->setGraph(loaded, m_projectDir);
    m_table->selectionModel()->clearSelection();
    m_states->showContent();
    const QString name = loaded.name().isEmpty() ? QFileInfo(path).fileName() : loaded.name();
    m_summary->setText(tr("<b>%1</b> — %2 sampled over %n invocation(s), %3 samples", nullptr,
                          loaded.profileCount())
                           .arg(name.toHtmlEscaped(), formatProfileTime(loaded.totalUs()))
                           .arg(loaded.sampleCount()));
    m_summary->setToolTip(path);
    return true;
}

void ProfilePanel::setBusy(const QString &text) {
    m_progress->show();
    m_cancel->show();
    m_progress->setFormat(text);
    m_progress->setToolTip(text);
    m_summary->setText(text.toHtmlEscaped());
}

void ProfilePanel::setIdle(const QString &error) {
    m_progress->hide();
    m_cancel->hide();
    if (!error.isEmpty())
        showError(error);
}

void ProfilePanel::resetZoom() {
    m_view->resetZoom();
}

} // namespace nimbus::studio
