#include "deployedpanel.h"

#include "clients/remoteworker.h"
#include "models/logmodel.h"

#include <QApplication>
#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QProgressBar>
#include <QPushButton>
#include <QTreeView>
#include <QVBoxLayout>
#include <algorithm>

namespace nimbus::studio {

namespace {

using Kind = DeployedModel::Kind;
using nlohmann::json;

QString q(const std::string &s) {
    return QString::fromStdString(s);
}

std::string s(const QString &text) {
    return text.toStdString();
}

} // namespace

DeployedPanel::DeployedPanel(Context context, LogModel *log, QWidget *parent)
    : QWidget(parent)
    , m_context(std::move(context))
    , m_log(log)
    , m_model(new DeployedModel(this))
    , m_proxy(new DeployedFilterModel(this))
    , m_worker(new RemoteWorker(this))
    , m_cancelled(std::make_shared<std::atomic<bool>>(false)) {
    setAccessibleName(tr("Deployed Functions"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);

    auto *top = new QHBoxLayout();
    auto *endpointLabel = new QLabel(tr("&Endpoint:"), this);
    m_connection = new QComboBox(this);
    m_connection->setObjectName("deployedConnection");
    m_connection->setAccessibleName(tr("Endpoint"));
    m_connection->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    endpointLabel->setBuddy(m_connection);
    auto button = [this](const QString &text, const char *name, auto slot) {
        auto *b = new QPushButton(text, this);
        b->setObjectName(name);
        b->setAccessibleName(QString(text).remove("…").remove('&'));
        connect(b, &QPushButton::clicked, this, slot);
        return b;
    };
    auto *refreshButton = button(tr("Refresh"), "deployedRefresh", [this] { refresh(); });
    auto *deployButton = button(tr("Deploy…"), "deployedDeploy", [this] { deploy(); });
    top->addWidget(endpointLabel);
    top->addWidget(m_connection, 1);
    top->addWidget(refreshButton);
    top->addWidget(deployButton);
    layout->addLayout(top);

    auto *second = new QHBoxLayout();
    m_filter = new QLineEdit(this);
    m_filter->setObjectName("deployedFilter");
    m_filter->setPlaceholderText(tr("Filter functions"));
    m_filter->setAccessibleName(tr("Filter functions"));
    m_filter->setClearButtonEnabled(true);
    second->addWidget(m_filter, 1);
    m_selectionButtons = {
        button(tr("Publish…"), "deployedPublish", [this] { publishVersion(selectedFunction()); }),
        button(tr("Alias…"), "deployedAlias",
               [this] {
                   const bool onAlias =
                       selectedIndex().data(DeployedModel::KindRole).value<Kind>() == Kind::Alias;
                   editAlias(selectedFunction(), onAlias ? selectedQualifier() : QString());
               }),
        button(tr("Invoke"), "deployedInvoke",
               [this] { invoke(selectedFunction(), selectedQualifier()); }),
    };
    m_selectionButtons[0]->setAccessibleName(tr("Publish Version"));
    m_selectionButtons[0]->setToolTip(tr("Publish a version of the selected function"));
    m_selectionButtons[1]->setToolTip(tr("Create or edit an alias of the selected function"));
    m_selectionButtons[2]->setToolTip(
        tr("Invoke the selected function, version or alias with the Invoke panel's event"));
    for (auto *b : std::as_const(m_selectionButtons)) {
        b->setEnabled(false);
        second->addWidget(b);
    }
    layout->addLayout(second);

    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_tree = new QTreeView(this);
    m_tree->setObjectName("deployedTree");
    m_tree->setAccessibleName(tr("Deployed functions"));
    m_tree->setModel(m_proxy);
    m_tree->setUniformRowHeights(true);
    m_tree->setContextMenuPolicy(Qt::CustomContextMenu);
    m_tree->header()->setSectionResizeMode(0, QHeaderView::Interactive);
    m_tree->header()->setStretchLastSection(true);
    m_tree->setColumnWidth(0, 220);
    layout->addWidget(m_tree, 1);

    auto *progressRow = new QHBoxLayout();
    m_progress = new QProgressBar(this);
    m_progress->setObjectName("deployedProgress");
    m_progress->setAccessibleName(tr("Progress"));
    m_progress->setTextVisible(true);
    m_cancel = button(tr("Cancel"), "deployedCancel", [this] { cancel(); });
    progressRow->addWidget(m_progress, 1);
    progressRow->addWidget(m_cancel);
    layout->addLayout(progressRow);
    m_progress->hide();
    m_cancel->hide();
    m_status = new QLabel(this);
    m_status->setObjectName("deployedStatus");
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);

    m_profiles = ConnectionProfiles::load();
    for (const auto &p : std::as_const(m_profiles))
        m_connection->addItem(p.isProjectSimulator() ? p.name : p.name + " — " + p.endpointUrl);
    m_connection->insertSeparator(m_connection->count());
    m_connection->addItem(tr("New Connection…"));
    connect(m_connection, &QComboBox::activated, this, &DeployedPanel::selectConnection);

    connect(m_filter, &QLineEdit::textChanged, m_proxy,
            &QSortFilterProxyModel::setFilterFixedString);
    connect(m_tree, &QTreeView::customContextMenuRequested, this, &DeployedPanel::showMenu);
    auto followSelection = [this] {
        const bool some = !selectedFunction().isEmpty();
        for (auto *b : std::as_const(m_selectionButtons))
            b->setEnabled(some);
    };
    connect(m_tree->selectionModel(), &QItemSelectionModel::currentChanged, this, followSelection);
    connect(m_tree->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            followSelection);
    auto key = [this](const QModelIndex &proxyIndex) {
        const QModelIndex i = proxyIndex.siblingAtColumn(0);
        const QString function = i.data(DeployedModel::FunctionRole).toString();
        return i.parent().isValid() ? function + "/" + i.data().toString() : function;
    };
    connect(m_tree, &QTreeView::expanded, this, [this, key](const QModelIndex &index) {
        m_expanded.insert(key(index));
        if (index.data(DeployedModel::KindRole).value<Kind>() == Kind::Function &&
            !index.data(DeployedModel::LoadedRole).toBool())
            loadDetails(index.data(DeployedModel::FunctionRole).toString());
    });
    connect(m_tree, &QTreeView::collapsed, this,
            [this, key](const QModelIndex &index) { m_expanded.remove(key(index)); });
    connect(m_tree, &QTreeView::activated, this, [this](const QModelIndex &index) {
        const auto kind = index.data(DeployedModel::KindRole).value<Kind>();
        if (kind == Kind::LoadMore)
            loadMore();
        else if (kind == Kind::Alias)
            editAlias(selectedFunction(), selectedQualifier());
        else if (kind == Kind::Environment)
            m_model->setValuesRevealed(selectedFunction(),
                                       !m_model->valuesRevealed(selectedFunction()));
    });

    m_shiftTimer.setSingleShot(true);
    connect(&m_shiftTimer, &QTimer::timeout, this, [this] {
        if (auto next = std::exchange(m_nextShift, {}))
            next();
    });
    m_tailTimer.setInterval(1500);
    connect(&m_tailTimer, &QTimer::timeout, this, &DeployedPanel::pollTail);
}

DeployedPanel::~DeployedPanel() {
    // The worker first: its job in flight may still post to this panel.
    m_cancelled->store(true);
    delete m_worker;
}

bool DeployedPanel::busy() const {
    return m_worker->pending() > 0 || m_shiftTimer.isActive();
}

ConnectionProfile DeployedPanel::connection() const {
    const int i = m_connection->currentIndex();
    return i >= 0 && i < m_profiles.size() ? m_profiles[i] : ConnectionProfiles::projectSimulator();
}

void DeployedPanel::addConnection(const ConnectionProfile &profile) {
    m_profiles.append(profile);
    ConnectionProfiles::save(m_profiles);
    m_connection->insertItem(m_profiles.size() - 1, profile.name + " — " + profile.endpointUrl);
    m_connection->setCurrentIndex(m_profiles.size() - 1);
    selectConnection(m_profiles.size() - 1);
}

void DeployedPanel::selectConnection(int index) {
    if (index >= m_profiles.size()) {
        // "New Connection…"
        ConnectionDialog dialog(this);
        m_connection->setCurrentIndex(0);
        if (dialog.exec() == QDialog::Accepted)
            addConnection(dialog.profile());
        else
            selectConnection(0);
        return;
    }
    ++m_generation;
    stopTailing();
    m_expanded.clear();
    m_model->setFunctions({}, false, false);
    refresh();
}

std::optional<lambdaclient::Endpoint> DeployedPanel::endpoint() {
    QString error;
    const ControlPlaneEndpoint simulator =
        m_context.simulator ? m_context.simulator() : ControlPlaneEndpoint{};
    auto endpoint = ConnectionProfiles::resolve(connection(), simulator, error);
    if (!endpoint)
        setStatus(error, true);
    return endpoint;
}

void DeployedPanel::setStatus(const QString &text, bool error) {
    m_status->setText(text);
    m_status->setStyleSheet(error ? "color: #c62828;" : QString());
    if (error)
        m_lastError = text;
}

bool DeployedPanel::event(QEvent *event) {
    // Back from the terminal or the AWS console: show what changed there.
    if (event->type() == QEvent::WindowActivate && isVisible() && !busy() &&
        (!m_lastRefresh.isValid() || m_lastRefresh.msecsTo(QDateTime::currentDateTime()) > 3000))
        QTimer::singleShot(0, this, &DeployedPanel::refresh);
    return QWidget::event(event);
}

void DeployedPanel::refresh() {
    reload(false);
}

void DeployedPanel::reload(bool keepStatus) {
    m_lastRefresh = QDateTime::currentDateTime();
    const auto ep = endpoint();
    if (!ep) {
        m_model->setFunctions({}, false, false);
        return;
    }
    QString manifestError;
    const bool local = connection().isProjectSimulator();
    m_manifest = deployed::loadManifest(m_context.projectDir, {}, !local, manifestError);
    const auto manifest = m_manifest;
    const int generation = m_generation;
    const QString where = connection().name;
    m_worker->post([ep = *ep, manifest, generation, where, manifestError, pageSize = m_pageSize,
                    keepStatus, this] {
        auto page =
            std::make_shared<deployed::Page>(deployed::listPage(ep, {}, pageSize, manifest.get()));
        return [this, page, generation, where, manifestError, keepStatus] {
            if (generation != m_generation)
                return;
            if (!page->ok) {
                m_model->setFunctions({}, false, false);
                setStatus(tr("%1: %2").arg(where, deployed::describe(page->error)), true);
                emit refreshed();
                return;
            }
            m_nextMarker = page->nextMarker;
            // The selection survives the refresh (buttons act on it).
            if (!selectedFunction().isEmpty())
                m_reselect = {selectedFunction(), selectedQualifier()};
            m_model->setFunctions(page->functions, false, !page->nextMarker.empty());
            for (const auto &[name, comparison] : page->comparisons)
                m_model->setComparison(name, comparison);
            // Names as wide as they are, within half the panel: the values need room too.
            m_tree->resizeColumnToContents(0);
            m_tree->setColumnWidth(0, std::clamp(m_tree->columnWidth(0) + 12, 160,
                                                 std::max(160, m_tree->viewport()->width() / 2)));
            QString text =
                page->functions.empty()
                    ? tr("No functions on %1 yet: Deploy… puts the project's there.").arg(where)
                    : tr("%n function(s) on %1", nullptr, int(page->functions.size())).arg(where);
            if (!page->nextMarker.empty())
                text += tr(" (more: Load more…)");
            if (!manifestError.isEmpty())
                text += "\n" + tr("Not compared with the project: %1").arg(manifestError);
            // After an action, its outcome stays in view; the list speaks for itself.
            if (!keepStatus)
                setStatus(text, false);
            restoreExpansion();
            emit refreshed();
        };
    });
}

void DeployedPanel::loadMore() {
    const auto ep = endpoint();
    if (!ep || m_nextMarker.empty())
        return;
    const auto manifest = m_manifest;
    const int generation = m_generation;
    m_worker->post(
        [ep = *ep, marker = m_nextMarker, manifest, generation, pageSize = m_pageSize, this] {
            auto page = std::make_shared<deployed::Page>(
                deployed::listPage(ep, marker, pageSize, manifest.get()));
            return [this, page, generation] {
                if (generation != m_generation)
                    return;
                if (!page->ok) {
                    setStatus(deployed::describe(page->error), true);
                    return;
                }
                m_nextMarker = page->nextMarker;
                m_model->setFunctions(page->functions, true, !page->nextMarker.empty());
                for (const auto &[name, comparison] : page->comparisons)
                    m_model->setComparison(name, comparison);
                restoreExpansion();
            };
        });
}

void DeployedPanel::loadDetails(const QString &function, std::function<void()> then) {
    const auto ep = endpoint();
    if (!ep)
        return;
    const auto manifest = m_manifest;
    const int generation = m_generation;
    m_worker->post([ep = *ep, function, manifest, generation, then, this] {
        auto details = std::make_shared<deployed::Details>(
            deployed::loadDetails(ep, s(function), manifest.get()));
        return [this, details, function, generation, then] {
            if (generation != m_generation)
                return;
            if (!details->ok) {
                m_model->setDetailsError(function, deployed::describe(details->error));
                setStatus(deployed::describe(details->error), true);
                return;
            }
            m_model->setDetails(function, details->details);
            if (m_manifest)
                m_model->setComparison(function, details->comparison);
            restoreExpansion();
            if (then)
                then();
        };
    });
}

void DeployedPanel::restoreExpansion() {
    const QSignalBlocker noLoads(m_tree); // expanding here must not ask for details again
    for (int r = 0; r < m_proxy->rowCount(); ++r) {
        const QModelIndex fn = m_proxy->index(r, 0);
        const QString name = fn.data(DeployedModel::FunctionRole).toString();
        if (!m_expanded.contains(name))
            continue;
        m_tree->expand(fn);
        for (int c = 0; c < m_proxy->rowCount(fn); ++c) {
            const QModelIndex child = m_proxy->index(c, 0, fn);
            if (m_expanded.contains(name + "/" + child.data().toString()))
                m_tree->expand(child);
        }
    }
    if (m_reselect) {
        const auto &[function, qualifier] = *m_reselect;
        QModelIndex target = m_proxy->mapFromSource(m_model->functionIndex(function));
        bool exact = qualifier.isEmpty();
        for (int c = 0; !exact && target.isValid() && c < m_proxy->rowCount(target); ++c) {
            const QModelIndex section = m_proxy->index(c, 0, target);
            for (int r = 0; r < m_proxy->rowCount(section); ++r) {
                const QModelIndex row = m_proxy->index(r, 0, section);
                if (row.data(DeployedModel::QualifierRole).toString() == qualifier) {
                    target = row;
                    exact = true;
                    break;
                }
            }
        }
        if (target.isValid()) {
            m_tree->selectionModel()->setCurrentIndex(target, QItemSelectionModel::ClearAndSelect |
                                                                  QItemSelectionModel::Rows);
            if (exact || target.data(DeployedModel::LoadedRole).toBool())
                m_reselect.reset();
        } else {
            m_reselect.reset(); // gone from the endpoint
        }
    }
    // Functions open in the tree whose details went with a refresh: ask again.
    for (int r = 0; r < m_proxy->rowCount(); ++r) {
        const QModelIndex fn = m_proxy->index(r, 0);
        if (m_expanded.contains(fn.data(DeployedModel::FunctionRole).toString()) &&
            !fn.data(DeployedModel::LoadedRole).toBool() &&
            fn.data(DeployedModel::KindRole).value<Kind>() == Kind::Function)
            loadDetails(fn.data(DeployedModel::FunctionRole).toString());
    }
}

QModelIndex DeployedPanel::selectedIndex() const {
    // The selected row (as a screen reader selects one), else the current one.
    const QModelIndexList rows = m_tree->selectionModel()->selectedRows();
    return rows.isEmpty() ? m_tree->currentIndex() : rows.first();
}

QString DeployedPanel::selectedFunction() const {
    return selectedIndex().data(DeployedModel::FunctionRole).toString();
}

QString DeployedPanel::selectedQualifier() const {
    return selectedIndex().data(DeployedModel::QualifierRole).toString();
}

bool DeployedPanel::selectFunction(const QString &function) {
    const QModelIndex index = m_proxy->mapFromSource(m_model->functionIndex(function));
    if (!index.isValid())
        return false;
    m_tree->setCurrentIndex(index);
    m_tree->scrollTo(index);
    return true;
}

void DeployedPanel::startProgress(const QString &text, int maximum) {
    m_cancelled->store(false);
    m_progress->setRange(0, maximum);
    m_progress->setValue(0);
    m_progress->setFormat(text);
    m_progress->setAccessibleDescription(text);
    m_progress->show();
    m_cancel->show();
    m_cancel->setEnabled(true);
}

void DeployedPanel::endProgress() {
    m_progress->hide();
    m_cancel->hide();
}

void DeployedPanel::cancel() {
    m_cancelled->store(true);
    m_cancel->setEnabled(false);
    if (m_shiftTimer.isActive() || m_nextShift) {
        m_shiftTimer.stop();
        m_nextShift = {};
        endProgress();
        finishAction(tr("Traffic shift"), {}, nullptr);
        setStatus(tr("Traffic shift stopped; the alias keeps its current weights."), false);
        return;
    }
    m_progress->setFormat(tr("Cancelling…"));
}

void DeployedPanel::showMenu(const QPoint &pos) {
    const QModelIndex index = m_tree->indexAt(pos);
    if (!index.isValid())
        return;
    m_tree->setCurrentIndex(index);
    QMenu menu(this);
    fillMenu(menu, index);
    if (!menu.isEmpty())
        menu.exec(m_tree->viewport()->mapToGlobal(pos));
}

void DeployedPanel::fillMenu(QMenu &menu, const QModelIndex &index) {
    const auto kind = index.data(DeployedModel::KindRole).value<Kind>();
    const QString function = index.data(DeployedModel::FunctionRole).toString();
    const QString qualifier = index.data(DeployedModel::QualifierRole).toString();
    const QString commit = index.data(DeployedModel::CommitRole).toString();
    if (kind == Kind::LoadMore) {
        menu.addAction(tr("Load More"), this, &DeployedPanel::loadMore);
        return;
    }
    if (function.isEmpty())
        return;
    switch (kind) {
    case Kind::Version:
        menu.addAction(tr("Invoke Version %1").arg(qualifier), this,
                       [=, this] { invoke(function, qualifier); });
        menu.addAction(tr("Create Alias…"), this, [=, this] { editAlias(function); });
        if (!commit.isEmpty())
            menu.addAction(tr("Show Commit %1").arg(commit), this,
                           [=, this] { emit showCommit(commit); });
        menu.addSeparator();
        menu.addAction(tr("Delete Version %1…").arg(qualifier), this,
                       [=, this] { deleteVersion(function, qualifier); });
        return;
    case Kind::Alias:
        menu.addAction(tr("Invoke %1").arg(qualifier), this,
                       [=, this] { invoke(function, qualifier); });
        menu.addAction(tr("Edit Alias…"), this, [=, this] { editAlias(function, qualifier); });
        menu.addSeparator();
        menu.addAction(tr("Delete Alias %1…").arg(qualifier), this,
                       [=, this] { deleteAlias(function, qualifier); });
        return;
    case Kind::Environment:
        menu.addAction(m_model->valuesRevealed(function) ? tr("Hide Values") : tr("Reveal Values"),
                       this, [=, this] {
                           m_model->setValuesRevealed(function, !m_model->valuesRevealed(function));
                       });
        return;
    default:
        break;
    }
    menu.addAction(tr("Invoke $LATEST"), this, [=, this] { invoke(function, {}); });
    const QString manifestName = [&] {
        if (!m_manifest)
            return QString();
        for (const auto &fn : m_manifest->functions)
            if (q(fn.deployedName) == function)
                return q(fn.name);
        return QString();
    }();
    if (!manifestName.isEmpty())
        menu.addAction(tr("Deploy This Function…"), this, [=, this] { deploy(manifestName); });
    menu.addAction(tr("Publish Version…"), this, [=, this] { publishVersion(function); });
    menu.addAction(tr("Create Alias…"), this, [=, this] { editAlias(function); });
    menu.addSeparator();
    menu.addAction(tr("Set Reserved Concurrency…"), this,
                   [=, this] { setReservedConcurrency(function); });
    const FunctionDetails *details = m_model->details(function);
    if (details && details->reservedConcurrency)
        menu.addAction(tr("Remove Reserved Concurrency"), this,
                       [=, this] { removeReservedConcurrency(function); });
    if (m_tailFunction == function)
        menu.addAction(tr("Stop Tailing Logs"), this, &DeployedPanel::stopTailing);
    else
        menu.addAction(tr("Tail Logs"), this, [=, this] { tailLogs(function); });
    menu.addAction(m_model->valuesRevealed(function) ? tr("Hide Environment Values")
                                                     : tr("Reveal Environment Values"),
                   this, [=, this] {
                       m_model->setValuesRevealed(function, !m_model->valuesRevealed(function));
                   });
    if (!commit.isEmpty())
        menu.addAction(tr("Show Commit %1").arg(commit), this,
                       [=, this] { emit showCommit(commit); });
    menu.addSeparator();
    menu.addAction(tr("Delete Function…"), this, [=, this] { deleteFunction(function); });
}

} // namespace nimbus::studio
