#include "deployedpanel.h"

#include "clients/remoteworker.h"
#include "models/logmodel.h"
#include "nimbus/deploy/deployer.h"
#include "nimbus/git/gitrepository.h"

#include <QApplication>
#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QTreeView>
#include <QVBoxLayout>
#include <cmath>

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
                       selectedIndex().data(DeployedModel::KindRole).value<Kind>() ==
                       Kind::Alias;
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
    connect(m_tree->selectionModel(), &QItemSelectionModel::selectionChanged, this, followSelection);
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
    auto manifest = m_manifest ? std::make_shared<manifest::Manifest>(*m_manifest) : nullptr;
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
    auto manifest = m_manifest ? std::make_shared<manifest::Manifest>(*m_manifest) : nullptr;
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
    auto manifest = m_manifest ? std::make_shared<manifest::Manifest>(*m_manifest) : nullptr;
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
            m_tree->selectionModel()->setCurrentIndex(
                target, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
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

bool DeployedPanel::confirm(const QString &title, const QString &text, const QString &yes) {
    QMessageBox box(QMessageBox::Question, title, text, QMessageBox::NoButton, this);
    QPushButton *ok = box.addButton(yes, QMessageBox::AcceptRole);
    box.addButton(QMessageBox::Cancel);
    box.setDefaultButton(QMessageBox::Cancel);
    box.exec();
    return box.clickedButton() == ok;
}

void DeployedPanel::finishAction(const QString &action, const QString &success,
                                 const lambda::ApiError *error) {
    if (error) {
        const QString text = tr("%1 failed: %2").arg(action, deployed::describe(*error));
        setStatus(text, true);
        m_log->appendNotice(text);
        emit actionFinished(action, false);
        return;
    }
    if (!success.isEmpty()) {
        setStatus(success, false);
        m_log->appendNotice(success);
    }
    emit actionFinished(action, true);
}

void DeployedPanel::runAction(const QString &action, const QString &success,
                              std::function<lambda::ApiError(lambdaclient::LambdaClient &)> call) {
    const auto ep = endpoint();
    if (!ep) {
        emit actionFinished(action, false);
        return;
    }
    setStatus(tr("%1…").arg(action), false);
    m_worker->post([ep = *ep, call, action, success, this] {
        lambdaclient::LambdaClient client(ep);
        client.setTimeout(std::chrono::seconds(60));
        const lambda::ApiError error = call(client);
        const bool ok = error.type.empty() && error.message.empty();
        return [this, error, ok, action, success] {
            finishAction(action, success, ok ? nullptr : &error);
            reload(true);
        };
    });
}

QStringList DeployedPanel::manifestFunctions(QString &stage) const {
    QString error;
    const auto m = deployed::loadManifest(m_context.projectDir, {}, false, error);
    QStringList out;
    if (!m)
        return out;
    stage = q(m->provider.stage);
    for (const auto &fn : m->functions)
        if (fn.kind == manifest::FunctionKind::Event)
            out << q(fn.name);
    return out;
}

void DeployedPanel::deploy(const QString &manifestFunction) {
    QString stage = "dev";
    const QStringList functions = manifestFunctions(stage);
    QString loadError;
    if (!deployed::loadManifest(m_context.projectDir, {}, false, loadError)) {
        setStatus(tr("Cannot deploy: %1").arg(loadError), true);
        emit actionFinished(tr("Deploy"), false);
        return;
    }
    DeployDialog::Tree tree;
    std::string gitError;
    if (const auto state = git::describeTree(s(m_context.projectDir), gitError)) {
        tree = {true, q(state->shortCommit), q(state->branch), state->dirty};
    }
    DeployDialog dialog(connection().name, functions, stage, manifestFunction, tree, this);
    if (dialog.exec() != QDialog::Accepted) {
        emit actionFinished(tr("Deploy"), false);
        return;
    }
    const auto ep = endpoint();
    if (!ep) {
        emit actionFinished(tr("Deploy"), false);
        return;
    }
    const bool local = connection().isProjectSimulator();
    const auto m = deployed::loadManifest(m_context.projectDir, dialog.stage(), !local, loadError);
    if (!m) {
        setStatus(tr("Cannot deploy: %1").arg(loadError), true);
        emit actionFinished(tr("Deploy"), false);
        return;
    }
    auto manifest = std::make_shared<manifest::Manifest>(*m);
    deploy::Provenance provenance;
    if (tree.repository)
        provenance = {s(tree.commit), s(tree.branch), tree.dirty};
    const QString only = dialog.function();
    const QString what = only.isEmpty() ? tr("'%1'").arg(q(m->service)) : only;
    startProgress(tr("Deploying %1 (stage %2)…").arg(what, dialog.stage()), 0);
    m_log->appendNotice(
        tr("Deploy: %1, stage %2, to %3").arg(what, dialog.stage(), connection().name));
    auto cancelled = m_cancelled;
    RemoteWorker *worker = m_worker;
    m_worker->post([ep = *ep, manifest, provenance, only, local, cancelled, worker, this] {
        lambdaclient::LambdaClient client(ep);
        auto lastReport = std::make_shared<std::chrono::steady_clock::time_point>();
        client.setUploadProgress(
            [cancelled, worker, lastReport, this](std::size_t sent, std::size_t total) {
                const auto now = std::chrono::steady_clock::now();
                if (sent == total || now - *lastReport > std::chrono::milliseconds(50)) {
                    *lastReport = now;
                    QMetaObject::invokeMethod(worker, [this, sent, total] {
                        if (total < 64 * 1024)
                            return; // small requests: no bar to show
                        m_progress->setRange(0, 1000);
                        m_progress->setValue(int(1000.0 * double(sent) / double(total)));
                        m_progress->setFormat(
                            tr("Uploading: %1 of %2 KB").arg(sent / 1024).arg(total / 1024));
                    });
                }
                return !cancelled->load();
            });
        auto failures = std::make_shared<QStringList>();
        deploy::Deployer deployer(
            client,
            [worker, failures, this](const deploy::DeployStep &step) {
                using K = deploy::DeployStep::Kind;
                static const std::map<K, QString> verbs{
                    {K::Packaged, tr("packaged")}, {K::Created, tr("created")},
                    {K::Updated, tr("updated")},   {K::Unchanged, tr("unchanged")},
                    {K::Skipped, tr("skipped")},   {K::Failed, tr("FAILED")},
                    {K::Provenance, tr("source")}};
                const QString line =
                    QStringLiteral("Deploy: %1 %2 %3")
                        .arg(verbs.at(step.kind),
                             q(step.deployedName.empty() ? step.function : step.deployedName),
                             q(step.detail))
                        .simplified();
                if (step.kind == K::Failed)
                    failures->append(q(step.detail));
                QMetaObject::invokeMethod(worker, [this, line, kind = step.kind] {
                    m_log->appendNotice(line);
                    if (kind != K::Failed) {
                        m_progress->setRange(0, 0);
                        m_progress->setFormat(line);
                    }
                });
            },
            local);
        if (!only.isEmpty())
            deployer.setFunctions({s(only)});
        deployer.setCancelled([cancelled] { return cancelled->load(); });
        const bool ok = deployer.deploy(*manifest, provenance);
        const bool wasCancelled = cancelled->load();
        return [this, ok, failures, wasCancelled] {
            endProgress();
            if (wasCancelled) {
                setStatus(tr("Deploy cancelled."), false);
                m_log->appendNotice(tr("Deploy cancelled"));
                emit actionFinished(tr("Deploy"), false);
            } else if (ok) {
                finishAction(tr("Deploy"), tr("Deployed. Publish a version to keep this code."),
                             nullptr);
            } else {
                const lambda::ApiError error{400, "DeployFailed", s(failures->join("; "))};
                finishAction(tr("Deploy"), {}, &error);
            }
            reload(true);
        };
    });
}

void DeployedPanel::publishVersion(const QString &function) {
    if (function.isEmpty())
        return;
    QInputDialog dialog(this);
    dialog.setObjectName("publishDialog");
    dialog.setWindowTitle(tr("Publish Version"));
    dialog.setLabelText(tr("Publish the current code and configuration of %1 as a new version, "
                           "which never changes.\n\nDescription (optional):")
                            .arg(function));
    dialog.setOkButtonText(tr("Publish"));
    if (dialog.exec() != QDialog::Accepted) {
        emit actionFinished(tr("Publish"), false);
        return;
    }
    const std::string description = s(dialog.textValue().trimmed());
    const auto ep = endpoint();
    if (!ep) {
        emit actionFinished(tr("Publish"), false);
        return;
    }
    setStatus(tr("Publishing %1…").arg(function), false);
    m_worker->post([ep = *ep, function, description, this] {
        lambdaclient::LambdaClient client(ep);
        client.setTimeout(std::chrono::seconds(60));
        // The version keeps the commit its code came from, so it can be found again.
        const auto whole = client.getFunction(s(function));
        const auto version = client.publishVersion(
            s(function), deploy::versionDescription(description, whole.ok() ? *whole : json()));
        return [this, function, version] {
            if (!version.ok())
                finishAction(tr("Publish"), {}, &version.error);
            else
                finishAction(tr("Publish"),
                             tr("Published %1 version %2.").arg(function, q(version->version)),
                             nullptr);
            reload(true);
        };
    });
}

void DeployedPanel::editAlias(const QString &function, const QString &alias) {
    if (function.isEmpty())
        return;
    const FunctionDetails *details = m_model->details(function);
    if (!details) {
        loadDetails(function, [this, function, alias] {
            if (m_model->details(function))
                editAlias(function, alias);
        });
        return;
    }
    QStringList versions;
    for (const auto &v : details->versions)
        versions << q(v.version);
    std::optional<AliasDialog::Choice> current;
    for (const auto &a : details->aliases) {
        if (q(a.name) != alias)
            continue;
        current.emplace();
        current->name = q(a.name);
        current->description = q(a.description);
        current->version = q(a.functionVersion);
        if (!a.weights.empty()) {
            current->secondVersion = q(a.weights.begin()->first);
            current->percent = int(std::lround(a.weights.begin()->second * 100));
        }
    }
    AliasDialog dialog(function, versions, current ? &*current : nullptr, this);
    if (dialog.exec() != QDialog::Accepted) {
        emit actionFinished(tr("Alias"), false);
        return;
    }
    const AliasDialog::Choice choice = dialog.choice();
    const int from =
        current && current->secondVersion == choice.secondVersion ? current->percent : 0;
    if (choice.gradual && !choice.secondVersion.isEmpty() && choice.percent != from) {
        shiftTraffic(function, choice, from);
        return;
    }
    lambda::VersionWeights weights;
    if (!choice.secondVersion.isEmpty() && choice.percent > 0)
        weights[s(choice.secondVersion)] = choice.percent / 100.0;
    const bool create = !current;
    QString split = choice.secondVersion.isEmpty() || choice.percent == 0
                        ? tr("100% v%1").arg(choice.version)
                        : tr("%1% v%2 / %3% v%4")
                              .arg(100 - choice.percent)
                              .arg(choice.version)
                              .arg(choice.percent)
                              .arg(choice.secondVersion);
    runAction(create ? tr("Create alias") : tr("Update alias"),
              tr("Alias %1:%2 → %3.").arg(function, choice.name, split),
              [function, choice, weights, create](lambdaclient::LambdaClient &client) {
                  const auto r = client.putAlias(s(function), s(choice.name), s(choice.version),
                                                 weights, create, s(choice.description));
                  return r.ok() ? lambda::ApiError{0, {}, {}} : r.error;
              });
}

void DeployedPanel::shiftTraffic(const QString &function, const AliasDialog::Choice &choice,
                                 int fromPercent) {
    // Each step is an UpdateAlias (CreateAlias first when new), then a wait; a failed step
    // stops the shift where it is, and Cancel stops it between steps.
    const int direction = choice.percent > fromPercent ? 1 : -1;
    QList<int> steps;
    for (int p = fromPercent + direction * choice.stepPercent; direction * (choice.percent - p) > 0;
         p += direction * choice.stepPercent)
        steps << p;
    steps << choice.percent;
    const bool exists = m_model->details(function) &&
                        std::any_of(m_model->details(function)->aliases.begin(),
                                    m_model->details(function)->aliases.end(),
                                    [&](const auto &a) { return q(a.name) == choice.name; });
    startProgress(tr("Shifting %1:%2 to %3% v%4")
                      .arg(function, choice.name)
                      .arg(choice.percent)
                      .arg(choice.secondVersion),
                  int(steps.size()));
    auto step = std::make_shared<std::function<void(int, bool)>>();
    *step = [this, function, choice, steps, step](int i, bool create) {
        const auto ep = endpoint();
        if (!ep || m_cancelled->load()) {
            endProgress();
            return;
        }
        const int percent = steps[i];
        m_progress->setFormat(tr("Step %1 of %2: %3% → v%4")
                                  .arg(i + 1)
                                  .arg(steps.size())
                                  .arg(percent)
                                  .arg(choice.secondVersion));
        lambda::VersionWeights weights;
        if (percent > 0)
            weights[s(choice.secondVersion)] = percent / 100.0;
        m_worker->post(
            [ep = *ep, function, choice, weights, create, this, i, percent, steps, step] {
                lambdaclient::LambdaClient client(ep);
                client.setTimeout(std::chrono::seconds(60));
                const auto r = client.putAlias(s(function), s(choice.name), s(choice.version),
                                               weights, create, s(choice.description));
                return [this, r, i, percent, steps, step, function, choice] {
                    if (!r.ok()) {
                        endProgress();
                        finishAction(tr("Traffic shift"), {}, &r.error);
                        reload(true);
                        return;
                    }
                    m_progress->setValue(i + 1);
                    m_log->appendNotice(tr("Alias %1:%2: %3% of traffic to v%4")
                                            .arg(function, choice.name)
                                            .arg(percent)
                                            .arg(choice.secondVersion));
                    reload(true);
                    if (i + 1 == steps.size()) {
                        endProgress();
                        finishAction(tr("Traffic shift"),
                                     tr("Alias %1:%2 now sends %3% to v%4.")
                                         .arg(function, choice.name)
                                         .arg(percent)
                                         .arg(choice.secondVersion),
                                     nullptr);
                        return;
                    }
                    m_nextShift = [step, i] { (*step)(i + 1, false); };
                    m_shiftTimer.start(choice.intervalSeconds * 1000);
                };
            });
    };
    (*step)(0, !exists);
}

void DeployedPanel::setReservedConcurrency(const QString &function) {
    if (function.isEmpty())
        return;
    const FunctionDetails *details = m_model->details(function);
    bool ok = false;
    const int value = QInputDialog::getInt(
        this, tr("Reserved Concurrency"),
        tr("Instances reserved for %1 (and its limit; 0 stops it from running):").arg(function),
        details && details->reservedConcurrency ? *details->reservedConcurrency : 10, 0, 10000, 1,
        &ok);
    if (!ok) {
        emit actionFinished(tr("Reserve concurrency"), false);
        return;
    }
    runAction(tr("Reserve concurrency"),
              tr("%1 now has %2 reserved instance(s).").arg(function).arg(value),
              [function, value](lambdaclient::LambdaClient &client) {
                  const auto r = client.putConcurrency(s(function), value);
                  return r.ok() ? lambda::ApiError{0, {}, {}} : r.error;
              });
}

void DeployedPanel::removeReservedConcurrency(const QString &function) {
    if (function.isEmpty() ||
        !confirm(tr("Remove Reserved Concurrency"),
                 tr("Remove the reserved concurrency of %1? It then shares the account's "
                    "unreserved pool.")
                     .arg(function),
                 tr("Remove"))) {
        emit actionFinished(tr("Remove reserved concurrency"), false);
        return;
    }
    runAction(tr("Remove reserved concurrency"),
              tr("%1 has no reserved concurrency now.").arg(function),
              [function](lambdaclient::LambdaClient &client) {
                  const auto r = client.putConcurrency(s(function), std::nullopt);
                  return r.ok() ? lambda::ApiError{0, {}, {}} : r.error;
              });
}

void DeployedPanel::invoke(const QString &function, const QString &qualifier) {
    if (function.isEmpty())
        return;
    const QString event = m_context.event ? m_context.event() : QStringLiteral("{}");
    const auto ep = endpoint();
    if (!ep)
        return;
    const QString target = qualifier.isEmpty() ? function : function + ":" + qualifier;
    setStatus(tr("Invoking %1…").arg(target), false);
    m_worker->post([ep = *ep, function, qualifier, event, target, this] {
        lambdaclient::LambdaClient client(ep);
        client.setTimeout(std::chrono::minutes(16));
        auto result = std::make_shared<lambdaclient::InvokeResult>(
            client.invoke(s(function), s(event), s(qualifier)));
        return [this, result, function, target] {
            if (result->status < 200 || result->status >= 300) {
                finishAction(tr("Invoke %1").arg(target), {}, &result->error);
                return;
            }
            m_log->appendLines(function, q(result->log).split('\n'));
            const QString payload = q(result->payload).left(2000);
            const QString text = result->functionError.empty()
                                     ? tr("Invoked %1 (version %2): %3")
                                           .arg(target, q(result->executedVersion), payload)
                                     : tr("Invoked %1 (version %2): the function failed (%3): %4")
                                           .arg(target, q(result->executedVersion),
                                                q(result->functionError), payload);
            finishAction(tr("Invoke"), text, nullptr);
            if (!result->functionError.empty())
                setStatus(text, true);
            emit outputWanted();
        };
    });
}

void DeployedPanel::tailLogs(const QString &function) {
    if (function.isEmpty())
        return;
    m_tailFunction = function;
    m_tailSince = QDateTime::currentMSecsSinceEpoch() - 5 * 60 * 1000; // the last five minutes
    m_tailSeen.clear();
    m_log->appendNotice(tr("Tailing the log of %1 on %2").arg(function, connection().name));
    m_tailTimer.start();
    pollTail();
    emit outputWanted();
}

void DeployedPanel::stopTailing() {
    if (m_tailFunction.isEmpty())
        return;
    m_log->appendNotice(tr("Stopped tailing %1").arg(m_tailFunction));
    m_tailTimer.stop();
    m_tailFunction.clear();
}

void DeployedPanel::pollTail() {
    if (m_tailFunction.isEmpty() || m_tailBusy)
        return;
    const auto ep = endpoint();
    if (!ep)
        return;
    m_tailBusy = true;
    const QString function = m_tailFunction;
    const qint64 since = m_tailSince;
    m_worker->post([ep = *ep, function, since, this] {
        lambdaclient::LambdaClient client(ep);
        client.setTimeout(std::chrono::seconds(20));
        json request{{"logGroupName", "/aws/lambda/" + s(function)},
                     {"startTime", since},
                     {"interleaved", true}};
        auto events = std::make_shared<std::vector<json>>();
        lambda::ApiError error{0, {}, {}};
        for (int page = 0; page < 20; ++page) {
            const auto r = client.filterLogEvents(request);
            if (!r.ok()) {
                error = r.error;
                break;
            }
            for (const auto &e : r->value("events", json::array()))
                events->push_back(e);
            const std::string next = r->value("nextToken", "");
            if (next.empty())
                break;
            request["nextToken"] = next;
        }
        return [this, function, events, error] {
            m_tailBusy = false;
            if (function != m_tailFunction)
                return;
            if (!error.type.empty() || !error.message.empty()) {
                // A function that has not run yet has no log group: keep waiting quietly.
                if (error.type != "ResourceNotFoundException")
                    setStatus(tr("Tail %1: %2").arg(function, deployed::describe(error)), true);
                return;
            }
            for (const auto &e : *events) {
                const QString id = q(e.value("eventId", ""));
                if (m_tailSeen.contains(id))
                    continue;
                m_tailSeen.insert(id);
                const qint64 time = e.value("timestamp", qint64(0));
                m_tailSince = std::max(m_tailSince, time);
                QString message = q(e.value("message", ""));
                while (message.endsWith('\n'))
                    message.chop(1);
                m_log->appendLines(function, message.split('\n'), time);
            }
        };
    });
}

void DeployedPanel::deleteFunction(const QString &function) {
    if (function.isEmpty() ||
        !confirm(tr("Delete Function"),
                 tr("Delete %1 with all its versions and aliases from %2? This cannot be undone.")
                     .arg(function, connection().name),
                 tr("Delete Function"))) {
        emit actionFinished(tr("Delete function"), false);
        return;
    }
    runAction(tr("Delete function"), tr("Deleted %1.").arg(function),
              [function](lambdaclient::LambdaClient &client) {
                  const auto r = client.deleteFunction(s(function));
                  return r.ok() ? lambda::ApiError{0, {}, {}} : r.error;
              });
}

void DeployedPanel::deleteVersion(const QString &function, const QString &version) {
    if (!confirm(tr("Delete Version"),
                 tr("Delete version %1 of %2? Aliases that route to it must be changed first.")
                     .arg(version, function),
                 tr("Delete Version"))) {
        emit actionFinished(tr("Delete version"), false);
        return;
    }
    runAction(tr("Delete version"), tr("Deleted %1 version %2.").arg(function, version),
              [function, version](lambdaclient::LambdaClient &client) {
                  const auto r = client.deleteFunction(s(function), s(version));
                  return r.ok() ? lambda::ApiError{0, {}, {}} : r.error;
              });
}

void DeployedPanel::deleteAlias(const QString &function, const QString &alias) {
    if (!confirm(
            tr("Delete Alias"),
            tr("Delete alias %1 of %2? Callers that use %2:%1 will fail.").arg(alias, function),
            tr("Delete Alias"))) {
        emit actionFinished(tr("Delete alias"), false);
        return;
    }
    runAction(tr("Delete alias"), tr("Deleted alias %1:%2.").arg(function, alias),
              [function, alias](lambdaclient::LambdaClient &client) {
                  const auto r = client.deleteAlias(s(function), s(alias));
                  return r.ok() ? lambda::ApiError{0, {}, {}} : r.error;
              });
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
