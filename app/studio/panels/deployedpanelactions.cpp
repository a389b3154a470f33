// The Deployed Functions panel's actions: what each does on the endpoint (on the worker
// thread), how it asks first, and what it reports. The panel itself (its tree, refreshes,
// menus) is deployedpanel.cpp.
#include "clients/remoteworker.h"
#include "dependencies/packagedependencies.h"
#include "deployedpanel.h"
#include "models/logmodel.h"
#include "nimbus/deploy/deployer.h"
#include "nimbus/deploy/scfdeployer.h"
#include "nimbus/git/gitrepository.h"

#include <QInputDialog>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <cmath>

namespace nimbus::studio {

namespace {

using nlohmann::json;

QString q(const std::string &text) {
    return QString::fromStdString(text);
}

std::string s(const QString &text) {
    return text.toStdString();
}

} // namespace

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

void DeployedPanel::deploy(const QString &manifestFunction) {
    QString loadError;
    const auto current = deployed::loadManifest(m_context.projectDir, {}, false, loadError);
    if (!current) {
        setStatus(tr("Cannot deploy: %1").arg(loadError), true);
        emit actionFinished(tr("Deploy"), false);
        return;
    }
    QStringList functions;
    for (const auto &fn : current->functions)
        if (fn.kind == manifest::FunctionKind::Event)
            functions << q(fn.name);
    const QString stage = q(current->provider.stage);
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
    // Read again at the chosen stage: names and ${sls:stage} values depend on it.
    const auto manifest =
        deployed::loadManifest(m_context.projectDir, dialog.stage(), !local, loadError);
    if (!manifest) {
        setStatus(tr("Cannot deploy: %1").arg(loadError), true);
        emit actionFinished(tr("Deploy"), false);
        return;
    }
    deploy::Provenance provenance;
    if (tree.repository)
        provenance = {s(tree.commit), s(tree.branch), tree.dirty};
    const QString only = dialog.function();
    const QString what = only.isEmpty() ? tr("'%1'").arg(q(manifest->service)) : only;
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
        const auto progress =
            [worker, failures, this](const deploy::DeployStep &step) {
                using K = deploy::DeployStep::Kind;
                static const std::map<K, QString> verbs{
                    {K::Packaged, tr("packaged")}, {K::Created, tr("created")},
                    {K::Updated, tr("updated")},   {K::Unchanged, tr("unchanged")},
                    {K::Skipped, tr("skipped")},   {K::Failed, tr("FAILED")},
                    {K::Provenance, tr("source")}, {K::Layer, tr("layer")}};
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
            };
        // The functions' packages, installed where they are not yet (pip, npm), go in the
        // zips as `nimbus deploy` puts them there.
        const deploy::DependencyStep installingDependencies =
            sim::packageDependencies([worker, this](const std::string &line) {
                QMetaObject::invokeMethod(worker, [this, text = q(line)] {
                    m_log->appendNotice(QStringLiteral("Deploy: ") + text);
                    m_progress->setRange(0, 0);
                    m_progress->setFormat(text);
                });
            });
        bool ok = false;
        if (manifest::isScf(manifest->dialect)) {
            // A Tencent project goes through SCF's API: the simulator's own, with its keys, or
            // another endpoint with TENCENTCLOUD_SECRETID / TENCENTCLOUD_SECRETKEY.
            scfclient::Endpoint scfEndpoint{
                ep.url,
                manifest->provider.region,
                {ep.credentials.accessKeyId, ep.credentials.secretAccessKey, {}}};
            std::string error;
            const auto credentials = local ? std::optional(scfEndpoint.credentials)
                                           : scfclient::tencentCredentials(error);
            if (!credentials) {
                progress({deploy::DeployStep::Kind::Failed, "", "", error});
            } else {
                scfEndpoint.credentials = *credentials;
                scfclient::ScfClient scf(scfEndpoint);
                deploy::ScfDeployer deployer(scf, progress);
                if (!only.isEmpty())
                    deployer.setFunctions({s(only)});
                deployer.setDependencies(installingDependencies);
                ok = deployer.deploy(*manifest);
            }
        } else {
            deploy::Deployer deployer(client, progress, local);
            if (!only.isEmpty())
                deployer.setFunctions({s(only)});
            deployer.setDependencies(installingDependencies);
            deployer.setCancelled([cancelled] { return cancelled->load(); });
            ok = deployer.deploy(*manifest, provenance);
        }
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

} // namespace nimbus::studio
