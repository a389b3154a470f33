// The Deployed Functions panel in the Studio (offscreen), against the real nimbus-sim control
// plane: deploy, publish, aliases with a traffic split, concurrency, invoke, tail, delete —
// then checked with the nimbus CLI and with the AWS CLI, as a user would check.
#include "clients/simulatorconnection.h"
#include "models/deployedmodel.h"
#include "models/logmodel.h"
#include "panels/deployeddialogs.h"
#include "panels/deployedpanel.h"
#include "panels/gitpanel.h"
#include "panels/invokepanel.h"
#include "projectfiles.h"
#include "studiowindow.h"
#include "tempproject.h"
#include "testpaths.h"
#include "window/mainwindow.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeView>
#include <QTreeWidget>
#include <functional>
#include <memory>

using namespace nimbus::studio;

namespace {

constexpr int kTimeout = 30000;
const QString kHello = "python-hello-dev-hello";

// A person answering the next modal dialog of type T: `act` runs once it is showing.
template <typename T> void answer(std::function<void(T *)> act) {
    auto *timer = new QTimer(qApp);
    timer->setInterval(10);
    QObject::connect(timer, &QTimer::timeout, [timer, act] {
        auto *dialog = qobject_cast<T *>(QApplication::activeModalWidget());
        if (!dialog || !dialog->isVisible())
            return;
        timer->stop();
        timer->deleteLater();
        act(dialog);
    });
    timer->start();
}

// Clicks the message box button whose text is `text`.
void answerMessageBox(const QString &text, QString *question = nullptr) {
    answer<QMessageBox>([text, question](QMessageBox *box) {
        if (question)
            *question = box->text();
        for (QAbstractButton *b : box->buttons())
            if (b->text() == text) {
                b->click();
                return;
            }
        box->reject();
    });
}

struct Run {
    int code = -1;
    QString out;
    QString err;
};

Run run(const QString &program, const QStringList &args, const QString &dir,
        const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment()) {
    QProcess p;
    p.setWorkingDirectory(dir);
    p.setProcessEnvironment(env);
    p.start(program, args);
    Run r;
    if (!p.waitForFinished(60000))
        return r;
    r.code = p.exitCode();
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

} // namespace

class TestStudioDeployed : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void theSimulatorIsTheFirstEndpoint();
    void aDirtyDeployAsksFirst();
    void deploysTheProjectAndListsItsFunctions();
    void configurationShowsMaskedEnvironmentAndTheCommit();
    void publishesAVersionThatLinksToItsCommit();
    void aVersionLinksToItsCommitInTheGitPanel();
    void showsWhatDiffersFromTheProject();
    void deploysOneFunctionAndPublishesASecondVersion();
    void createsAnAliasAtNinetyTenWithTheSlider();
    void showsTheServersErrorForAnInvalidWeight();
    void shiftsTrafficInSteps();
    void invokesAnAliasWithTheInvokePanelsEvent();
    void setsAndRemovesReservedConcurrency();
    void seesChangesMadeByTheCliWhenFocused();
    void deletesAnAliasAfterConfirming();
    void filtersAndPagesTheList();
    void aSavedConnectionUsesTheAwsCredentialChainAndTailsLogs();
    void deploysATencentProjectThroughScfsApi();

private:
    bool expandFunction(const QString &function);
    QModelIndex child(const QModelIndex &parent, const QString &name) const;
    bool act(const std::function<void()> &action, const QString &name);
    QString git(const QStringList &args);
    QJsonArray cliFunctions();
    QProcessEnvironment awsEnvironment() const;

    QTemporaryDir m_home;
    std::unique_ptr<TempProject> m_project;
    std::unique_ptr<MainWindow> m_window;
    DeployedPanel *m_panel = nullptr;
};

void TestStudioDeployed::initTestCase() {
    QVERIFY(m_home.isValid());
    // Nothing of the user's: settings, AWS files and git configuration all start empty.
    qputenv("XDG_CONFIG_HOME", m_home.filePath("config").toUtf8());
    qputenv("XDG_DATA_HOME", m_home.filePath("data").toUtf8());
    qputenv("HOME", m_home.path().toUtf8());
    for (const char *name : {"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                             "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION"})
        qunsetenv(name);
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_home.filePath("config"));
    m_project = std::make_unique<TempProject>();
    copyProject(nimbusSourcePath("examples/python-hello"), m_project->path());
    m_project->write(".gitignore", ".nimbus/\n__pycache__/\n");
    git({"init", "-q", "-b", "main"});
    git({"add", "-A"});
    git({"commit", "-q", "-m", "First version"});
    QVERIFY(!git({"rev-parse", "HEAD"}).isEmpty());

    m_window = openStudio(m_project->path());
    QVERIFY(m_window);
    m_panel = m_window->deployedPanel();
    QVERIFY(m_panel);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->simulator()->state(), SimulatorConnection::State::Running,
                              kTimeout);
}

void TestStudioDeployed::cleanupTestCase() {
    if (m_window)
        m_window->close();
    m_window.reset();
}

QString TestStudioDeployed::git(const QStringList &args) {
    QStringList all{"-c", "user.name=Studio Test", "-c", "user.email=studio@example.com"};
    all += args;
    const Run r = run("git", all, m_project->path());
    return r.code == 0 ? r.out.trimmed() : QString();
}

QJsonArray TestStudioDeployed::cliFunctions() {
    const Run r = run(nimbusBinary("nimbus"),
                      {"functions", "--json", "--project", m_project->path()}, m_project->path());
    return QJsonDocument::fromJson(r.out.toUtf8()).array();
}

QProcessEnvironment TestStudioDeployed::awsEnvironment() const {
    const ControlPlaneEndpoint &e = m_window->simulator()->endpoint();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("AWS_ACCESS_KEY_ID", e.accessKeyId);
    env.insert("AWS_SECRET_ACCESS_KEY", e.secretAccessKey);
    env.insert("AWS_DEFAULT_REGION", e.region);
    env.insert("AWS_CONFIG_FILE", "/dev/null");
    env.insert("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    env.insert("AWS_PAGER", "");
    return env;
}

// Runs an action of the panel and waits for the endpoint's answer.
bool TestStudioDeployed::act(const std::function<void()> &action, const QString &name) {
    QSignalSpy finished(m_panel, &DeployedPanel::actionFinished);
    action();
    if (!QTest::qWaitFor([&] { return !finished.isEmpty(); }, kTimeout))
        return false;
    const bool ok = finished.first().at(1).toBool();
    if (!ok)
        qWarning("%s failed: %s", qPrintable(name), qPrintable(m_panel->statusLabel()->text()));
    // The refresh that follows every action.
    return QTest::qWaitFor([&] { return !m_panel->busy(); }, kTimeout) && ok;
}

QModelIndex TestStudioDeployed::child(const QModelIndex &parent, const QString &name) const {
    const QAbstractItemModel *model = m_panel->tree()->model();
    for (int r = 0; r < model->rowCount(parent); ++r)
        if (model->index(r, 0, parent).data().toString() == name)
            return model->index(r, 0, parent);
    return {};
}

bool TestStudioDeployed::expandFunction(const QString &function) {
    if (!QTest::qWaitFor([&] { return m_panel->model()->functionIndex(function).isValid(); },
                         kTimeout))
        return false;
    const QModelIndex index = child({}, function);
    if (!index.isValid())
        return false;
    m_panel->tree()->expand(index);
    m_panel->tree()->setCurrentIndex(index);
    return QTest::qWaitFor(
        [&] {
            const QModelIndex i = m_panel->model()->functionIndex(function);
            return i.isValid() && i.data(DeployedModel::LoadedRole).toBool() && !m_panel->busy();
        },
        kTimeout);
}

void TestStudioDeployed::theSimulatorIsTheFirstEndpoint() {
    QCOMPARE(m_panel->connectionCombo()->currentIndex(), 0);
    QVERIFY(m_panel->connection().isProjectSimulator());
    QSignalSpy refreshed(m_panel, &DeployedPanel::refreshed);
    m_panel->refresh();
    QVERIFY(refreshed.wait(kTimeout));
    QCOMPARE(m_panel->model()->rowCount(), 0);
    QVERIFY2(m_panel->statusLabel()->text().contains("No functions on Project simulator yet"),
             qPrintable(m_panel->statusLabel()->text()));
}

void TestStudioDeployed::aDirtyDeployAsksFirst() {
    m_project->write("notes.txt", "not committed\n");
    QString warning, button;
    answer<DeployDialog>([&](DeployDialog *dialog) {
        warning = dialog->warning()->isVisible() ? dialog->warning()->text() : QString();
        button = dialog->deployButton()->text();
        dialog->reject();
    });
    QVERIFY(!act([this] { m_panel->deploy(); }, "deploy"));
    QVERIFY2(warning.contains("uncommitted changes"), qPrintable(warning));
    QCOMPARE(button, QString("Deploy with Uncommitted Changes"));
    // Nothing went to the endpoint.
    for (const auto &f : cliFunctions())
        QVERIFY(!f.toObject().value("deployed").toBool());
    QFile::remove(m_project->filePath("notes.txt"));
}

void TestStudioDeployed::deploysTheProjectAndListsItsFunctions() {
    QString button;
    bool warned = true;
    answer<DeployDialog>([&](DeployDialog *dialog) {
        button = dialog->deployButton()->text();
        warned = dialog->warning()->isVisible();
        QCOMPARE(dialog->stage(), QString("dev"));
        dialog->deployButton()->click();
    });
    QVERIFY(act([this] { m_panel->deploy(); }, "deploy"));
    QCOMPARE(button, QString("Deploy"));
    QVERIFY(!warned);
    QTRY_COMPARE_WITH_TIMEOUT(m_panel->model()->functionNames().size(), 4, kTimeout);
    QVERIFY(m_panel->model()->functionNames().contains(kHello));
    // The CLI sees what the Studio deployed.
    QStringList deployed;
    for (const auto &f : cliFunctions())
        if (f.toObject().value("deployed").toBool())
            deployed << f.toObject().value("name").toString();
    QVERIFY2(deployed.contains(kHello), qPrintable(deployed.join(",")));
    QCOMPARE(deployed.size(), 4);
    // Each function says it is the same as the project.
    const QModelIndex hello = m_panel->model()->functionIndex(kHello);
    QVERIFY2(hello.siblingAtColumn(1).data().toString().startsWith("in sync · python3.11"),
             qPrintable(hello.siblingAtColumn(1).data().toString()));
    // The steps went to the Output panel.
    bool created = false;
    for (int r = 0; r < m_window->log()->rowCount(); ++r)
        created |=
            m_window->log()->index(r).data().toString().contains("Deploy: created " + kHello);
    QVERIFY(created);
}

void TestStudioDeployed::configurationShowsMaskedEnvironmentAndTheCommit() {
    QVERIFY(expandFunction(kHello));
    const QModelIndex fn = child({}, kHello);
    const QModelIndex config = child(fn, "Configuration");
    QVERIFY(config.isValid());
    auto value = [&](const QModelIndex &parent, const QString &name) {
        return child(parent, name).siblingAtColumn(1).data().toString();
    };
    QCOMPARE(value(config, "Runtime"), QString("python3.11"));
    QCOMPARE(value(config, "Handler"), QString("handler.hello"));
    QCOMPARE(value(config, "Memory"), QString("256 MB"));
    QCOMPARE(value(config, "Timeout"), QString("10 s"));
    QVERIFY(!value(config, "SHA-256").isEmpty());
    const QString head = git({"rev-parse", "--short=12", "HEAD"});
    QVERIFY2(value(config, "Git commit").startsWith(head), qPrintable(value(config, "Git commit")));
    QVERIFY(value(config, "Git commit").contains("on main"));
    const QModelIndex env = child(config, "Environment");
    QCOMPARE(value(env, "STAGE"), QString("••••••••"));
    m_panel->model()->setValuesRevealed(kHello, true);
    QCOMPARE(value(child(child(child({}, kHello), "Configuration"), "Environment"), "STAGE"),
             QString("dev"));
    m_panel->model()->setValuesRevealed(kHello, false);
    QCOMPARE(value(child(child(child({}, kHello), "Configuration"), "Environment"), "TABLE_NAME"),
             QString("••••••••"));
    QCOMPARE(value(child({}, kHello), "Reserved concurrency"), QString("none"));
    QVERIFY(child(child({}, kHello), "Tags").isValid());
}

void TestStudioDeployed::publishesAVersionThatLinksToItsCommit() {
    answer<QInputDialog>([](QInputDialog *dialog) {
        dialog->setTextValue("first release");
        dialog->accept();
    });
    QVERIFY(act([this] { m_panel->publishVersion(kHello); }, "publish"));
    QVERIFY2(m_panel->statusLabel()->text().contains("Published " + kHello + " version 1"),
             qPrintable(m_panel->statusLabel()->text()));
    QVERIFY(expandFunction(kHello));
    const QModelIndex versions = child(child({}, kHello), "Versions");
    QVERIFY(versions.isValid());
    const QModelIndex v1 = child(versions, "Version 1");
    QVERIFY(v1.isValid());
    const QString head = git({"rev-parse", "--short=12", "HEAD"});
    QCOMPARE(v1.data(DeployedModel::CommitRole).toString(), head);
    QVERIFY(v1.siblingAtColumn(1).data().toString().contains("first release"));
    // "Show Commit" asks the window to show it.
    m_panel->tree()->setCurrentIndex(v1);
    QVERIFY(!m_panel->selectedQualifier().isEmpty());
    QCOMPARE(m_panel->selectedQualifier(), QString("1"));
}

void TestStudioDeployed::aVersionLinksToItsCommitInTheGitPanel() {
    git({"commit", "-q", "--allow-empty", "-m", "A later commit"});
    m_window->gitPanel()->refresh();
    const QModelIndex v1 = child(child(child({}, kHello), "Versions"), "Version 1");
    const QString commit = v1.data(DeployedModel::CommitRole).toString();
    QVERIFY(!commit.isEmpty());
    emit m_panel->showCommit(commit); // the version's "Show Commit"
    QTreeWidgetItem *selected = m_window->gitPanel()->logView()->currentItem();
    QVERIFY(selected);
    QCOMPARE(selected->text(1), QString("First version"));
    QVERIFY(m_window->gitPanel()->isVisible());
}

void TestStudioDeployed::showsWhatDiffersFromTheProject() {
    QFile handler(m_project->filePath("handler.py"));
    QVERIFY(handler.open(QIODevice::Append));
    handler.write("\n# a change not yet deployed\n");
    handler.close();
    QSignalSpy refreshed(m_panel, &DeployedPanel::refreshed);
    m_panel->refresh();
    QVERIFY(refreshed.wait(kTimeout));
    const QString summary =
        m_panel->model()->functionIndex(kHello).siblingAtColumn(1).data().toString();
    QVERIFY2(summary.contains("differs: code"), qPrintable(summary));
    QVERIFY(expandFunction(kHello));
    const QModelIndex differences = child(child({}, kHello), "Differences from the project");
    QVERIFY(differences.isValid());
    QVERIFY(child(differences, "code").isValid());
}

void TestStudioDeployed::deploysOneFunctionAndPublishesASecondVersion() {
    git({"commit", "-q", "-am", "Say it differently"});
    answer<DeployDialog>([](DeployDialog *dialog) {
        dialog->scopeCombo()->setCurrentIndex(dialog->scopeCombo()->findData("hello"));
        dialog->deployButton()->click();
    });
    QVERIFY(act([this] { m_panel->deploy(); }, "deploy hello"));
    const QString summary =
        m_panel->model()->functionIndex(kHello).siblingAtColumn(1).data().toString();
    QVERIFY2(summary.startsWith("in sync · python3.11"), qPrintable(summary));
    answer<QInputDialog>([](QInputDialog *dialog) { dialog->accept(); });
    QVERIFY(act([this] { m_panel->publishVersion(kHello); }, "publish"));
    QVERIFY2(m_panel->statusLabel()->text().contains("version 2"),
             qPrintable(m_panel->statusLabel()->text()));
    const QString head = git({"rev-parse", "--short=12", "HEAD"});
    QVERIFY(expandFunction(kHello));
    const QModelIndex v2 = child(child(child({}, kHello), "Versions"), "Version 2");
    QCOMPARE(v2.data(DeployedModel::CommitRole).toString(), head);
}

void TestStudioDeployed::createsAnAliasAtNinetyTenWithTheSlider() {
    QString summary;
    answer<AliasDialog>([&](AliasDialog *dialog) {
        dialog->nameEdit()->setText("live");
        dialog->versionCombo()->setCurrentText("1");
        dialog->splitCheck()->setChecked(true);
        dialog->secondVersionCombo()->setCurrentText("2");
        dialog->slider()->setValue(10); // as a person drags it
        QCOMPARE(dialog->percentSpin()->value(), 10);
        summary = dialog->splitLabel()->text();
        dialog->okButton()->click();
    });
    QVERIFY(act([this] { m_panel->editAlias(kHello); }, "alias"));
    QCOMPARE(summary, QString("90% → v1, 10% → v2"));
    // nimbus functions sees it...
    QJsonObject live;
    for (const auto &f : cliFunctions())
        if (f.toObject().value("name").toString() == kHello)
            for (const auto &a : f.toObject().value("aliases").toArray())
                if (a.toObject().value("name") == "live")
                    live = a.toObject();
    QCOMPARE(live.value("version").toString(), QString("1"));
    QCOMPARE(live.value("weights").toObject().value("2").toDouble(), 0.1);
    // ...and so does the AWS CLI.
    const Run aws =
        run("aws",
            {"lambda", "get-alias", "--function-name", kHello, "--name", "live", "--endpoint-url",
             m_window->simulator()->controlPlaneUrl().toString(), "--output", "json"},
            m_project->path(), awsEnvironment());
    QVERIFY2(aws.code == 0, qPrintable(aws.err));
    const QJsonObject alias = QJsonDocument::fromJson(aws.out.toUtf8()).object();
    QCOMPARE(alias.value("FunctionVersion").toString(), QString("1"));
    QCOMPARE(alias.value("RoutingConfig")
                 .toObject()
                 .value("AdditionalVersionWeights")
                 .toObject()
                 .value("2")
                 .toDouble(),
             0.1);
    // The tree shows the split.
    QVERIFY(expandFunction(kHello));
    const QModelIndex node = child(child(child({}, kHello), "Aliases"), "live");
    QCOMPARE(node.siblingAtColumn(1).data().toString(), QString("90% v1 / 10% v2"));
}

void TestStudioDeployed::showsTheServersErrorForAnInvalidWeight() {
    answer<AliasDialog>([](AliasDialog *dialog) {
        QVERIFY(dialog->nameEdit()->isReadOnly());
        QCOMPARE(dialog->slider()->value(), 10);           // the alias as it is
        dialog->secondVersionCombo()->setCurrentText("1"); // the primary version again
        dialog->okButton()->click();
    });
    QVERIFY(!act([this] { m_panel->editAlias(kHello, "live"); }, "alias"));
    QVERIFY2(m_panel->lastError().contains("already included in the primary version"),
             qPrintable(m_panel->lastError()));
    QVERIFY(m_panel->statusLabel()->text().contains("InvalidParameterValueException"));
    bool logged = false;
    for (int r = 0; r < m_window->log()->rowCount(); ++r)
        logged |= m_window->log()->index(r).data().toString().contains("already included");
    QVERIFY(logged);
}

void TestStudioDeployed::shiftsTrafficInSteps() {
    answer<AliasDialog>([](AliasDialog *dialog) {
        dialog->percentSpin()->setValue(40); // the spin box moves the slider too
        QCOMPARE(dialog->slider()->value(), 40);
        dialog->gradualCheck()->setChecked(true);
        dialog->stepSpin()->setValue(10);
        dialog->intervalSpin()->setValue(0);
        dialog->okButton()->click();
    });
    QSignalSpy finished(m_panel, &DeployedPanel::actionFinished);
    m_panel->editAlias(kHello, "live");
    QVERIFY(finished.wait(kTimeout));
    QCOMPARE(finished.first().at(1).toBool(), true);
    QStringList steps;
    for (int r = 0; r < m_window->log()->rowCount(); ++r) {
        const QString line = m_window->log()->index(r).data().toString();
        if (line.contains("[studio] Alias " + kHello + ":live: "))
            steps << line.section("live: ", 1);
    }
    QCOMPARE(steps,
             QStringList({"20% of traffic to v2", "30% of traffic to v2", "40% of traffic to v2"}));
    QVERIFY(QTest::qWaitFor([&] { return !m_panel->busy(); }, kTimeout));
    QVERIFY(expandFunction(kHello));
    QCOMPARE(
        child(child(child({}, kHello), "Aliases"), "live").siblingAtColumn(1).data().toString(),
        QString("60% v1 / 40% v2"));
}

void TestStudioDeployed::invokesAnAliasWithTheInvokePanelsEvent() {
    m_window->invokePanel()->setEvent(R"({"name": "Ada"})");
    QVERIFY(act([this] { m_panel->invoke(kHello, "live"); }, "invoke"));
    const QString status = m_panel->statusLabel()->text();
    QVERIFY2(status.contains("Invoked " + kHello + ":live (version "), qPrintable(status));
    QVERIFY2(status.contains("Ada"), qPrintable(status));
    bool report = false;
    for (int r = 0; r < m_window->log()->rowCount(); ++r) {
        const QModelIndex i = m_window->log()->index(r);
        report |= i.data(LogModel::FunctionRole).toString() == kHello &&
                  i.data(LogModel::KindRole).toInt() == int(LogModel::Kind::Report);
    }
    QVERIFY(report);
}

void TestStudioDeployed::setsAndRemovesReservedConcurrency() {
    answer<QInputDialog>([](QInputDialog *dialog) {
        dialog->setIntValue(5);
        dialog->accept();
    });
    QVERIFY(act([this] { m_panel->setReservedConcurrency(kHello); }, "concurrency"));
    QVERIFY(expandFunction(kHello));
    QCOMPARE(child(child({}, kHello), "Reserved concurrency").siblingAtColumn(1).data().toString(),
             QString("5"));
    QString question;
    answerMessageBox("Remove", &question);
    QVERIFY(act([this] { m_panel->removeReservedConcurrency(kHello); }, "remove concurrency"));
    QVERIFY(question.contains("Remove the reserved concurrency of " + kHello));
    QVERIFY(expandFunction(kHello));
    QCOMPARE(child(child({}, kHello), "Reserved concurrency").siblingAtColumn(1).data().toString(),
             QString("none"));
}

void TestStudioDeployed::seesChangesMadeByTheCliWhenFocused() {
    QVERIFY(expandFunction(kHello));
    const Run cli =
        run(nimbusBinary("nimbus"),
            {"alias", "hello", "beta", "--version", "2", "--project", m_project->path()},
            m_project->path());
    QVERIFY2(cli.code == 0, qPrintable(cli.err));
    // Coming back to the window (from the terminal) refreshes what is open.
    QTest::qWait(3100); // focus refreshes are at most every three seconds
    QSignalSpy refreshed(m_panel, &DeployedPanel::refreshed);
    QEvent activate(QEvent::WindowActivate);
    QApplication::sendEvent(m_panel, &activate);
    QVERIFY(refreshed.wait(kTimeout));
    QTRY_VERIFY_WITH_TIMEOUT(child(child(child({}, kHello), "Aliases"), "beta").isValid(),
                             kTimeout);
}

void TestStudioDeployed::deletesAnAliasAfterConfirming() {
    QString question;
    answerMessageBox("Cancel", &question);
    QVERIFY(!act([this] { m_panel->deleteAlias(kHello, "beta"); }, "keep alias"));
    QVERIFY(question.contains("Delete alias beta"));
    answerMessageBox("Delete Alias");
    QVERIFY(act([this] { m_panel->deleteAlias(kHello, "beta"); }, "delete alias"));
    QVERIFY(expandFunction(kHello));
    QVERIFY(!child(child(child({}, kHello), "Aliases"), "beta").isValid());
    QVERIFY(child(child(child({}, kHello), "Aliases"), "live").isValid());
}

void TestStudioDeployed::filtersAndPagesTheList() {
    m_panel->filterEdit()->setText("GETUSER");
    QCOMPARE(m_panel->tree()->model()->rowCount(), 1);
    QCOMPARE(m_panel->tree()->model()->index(0, 0).data().toString(),
             QString("python-hello-dev-getUser"));
    m_panel->filterEdit()->clear();
    m_panel->setPageSize(3);
    QSignalSpy refreshed(m_panel, &DeployedPanel::refreshed);
    m_panel->refresh();
    QVERIFY(refreshed.wait(kTimeout));
    QCOMPARE(m_panel->model()->functionNames().size(), 3);
    const QModelIndex more = m_panel->tree()->model()->index(3, 0);
    QCOMPARE(more.data().toString(), QString("Load more…"));
    m_panel->loadMore();
    QTRY_COMPARE_WITH_TIMEOUT(m_panel->model()->functionNames().size(), 4, kTimeout);
    QCOMPARE(m_panel->tree()->model()->rowCount(), 4); // no "Load more…" after the last page
    m_panel->setPageSize(50);
}

void TestStudioDeployed::aSavedConnectionUsesTheAwsCredentialChainAndTailsLogs() {
    // No credentials anywhere: the connection says what is missing.
    const QString url = m_window->simulator()->controlPlaneUrl().toString();
    m_panel->addConnection({"Simulator as a remote", url, {}, {}});
    QTRY_VERIFY_WITH_TIMEOUT(m_panel->lastError().contains("no AWS credentials"), kTimeout);
    QCOMPARE(m_panel->model()->rowCount(), 0);
    // The profile is saved without a secret.
    QSettings settings;
    QCOMPARE(settings.value("connections/1/endpoint").toString(), url);
    QFile config(settings.fileName());
    QVERIFY(config.open(QIODevice::ReadOnly));
    const ControlPlaneEndpoint &e = m_window->simulator()->endpoint();
    QVERIFY(!config.readAll().contains(e.secretAccessKey.toUtf8()));
    // Credentials in ~/.aws/credentials, as `aws configure` writes them.
    QDir().mkpath(m_home.filePath(".aws"));
    QFile credentials(m_home.filePath(".aws/credentials"));
    QVERIFY(credentials.open(QIODevice::WriteOnly));
    credentials.write(QString("[default]\naws_access_key_id = %1\naws_secret_access_key = %2\n")
                          .arg(e.accessKeyId, e.secretAccessKey)
                          .toUtf8());
    credentials.close();
    QSignalSpy refreshed(m_panel, &DeployedPanel::refreshed);
    m_panel->refresh();
    QVERIFY(refreshed.wait(kTimeout));
    QCOMPARE(m_panel->model()->functionNames().size(), 4);
    // Tail the function's log through CloudWatch Logs, then invoke it.
    m_panel->tailLogs(kHello);
    QCOMPARE(m_panel->tailedFunction(), kHello);
    const int before = m_window->log()->rowCount();
    const Run cli =
        run(nimbusBinary("nimbus"),
            {"invoke", "hello", "--project", m_project->path(), "--data", R"({"name": "Tail"})"},
            m_project->path());
    QVERIFY2(cli.code == 0, qPrintable(cli.err + cli.out));
    QVERIFY(QTest::qWaitFor(
        [&] {
            for (int r = before; r < m_window->log()->rowCount(); ++r) {
                const QModelIndex i = m_window->log()->index(r);
                if (i.data(LogModel::FunctionRole).toString() == kHello &&
                    i.data().toString().contains("] START "))
                    return true;
            }
            return false;
        },
        kTimeout));
    m_panel->stopTailing();
    QVERIFY(m_panel->tailedFunction().isEmpty());
    m_panel->selectConnection(0);
}

// A Tencent project deploys from the same dialog, through SCF's API to its simulator; the
// panel then lists its function beside any other.
void TestStudioDeployed::deploysATencentProjectThroughScfsApi() {
    TempProject scf;
    scf.write("serverless.yml", "component: scf\nname: greeter\napp: demo\nstage: dev\ninputs:\n"
                                "  src: ./src\n  handler: index.main_handler\n"
                                "  runtime: Python3.9\n  memorySize: 256\n");
    scf.write("src/index.py", "def main_handler(event, context):\n"
                              "    return {\"hi\": context[\"function_name\"]}\n");
    auto window = openStudio(scf.path());
    QVERIFY(window);
    QTRY_COMPARE_WITH_TIMEOUT(window->simulator()->state(), SimulatorConnection::State::Running,
                              kTimeout);
    DeployedPanel *const projectPanel = m_panel;
    m_panel = window->deployedPanel();
    answer<DeployDialog>([](DeployDialog *dialog) { dialog->deployButton()->click(); });
    const bool deployed = act([this] { m_panel->deploy(); }, "deploy the Tencent project");
    const bool listed = QTest::qWaitFor(
        [&] { return m_panel->model()->functionNames().contains("greeter-dev-demo"); }, kTimeout);
    // Compared as SCF deploys it (no IAM role), with the package the project builds now.
    QString state;
    const bool inSync = QTest::qWaitFor(
        [&] {
            state = m_panel->model()
                        ->functionIndex("greeter-dev-demo")
                        .siblingAtColumn(1)
                        .data()
                        .toString();
            return state.startsWith("in sync");
        },
        kTimeout);
    m_panel = projectPanel;
    bool created = false;
    for (int r = 0; r < window->log()->rowCount(); ++r)
        created |= window->log()->index(r).data().toString().contains(
            "Deploy: created greeter-dev-demo Python3.9, 256 MB");
    window->close();
    QVERIFY(deployed);
    QVERIFY(listed);
    QVERIFY(created);
    QVERIFY2(inSync && state.startsWith("in sync · Python3.9 · 256 MB"), qPrintable(state));
}

QTEST_MAIN(TestStudioDeployed)
#include "tst_studiodeployed.moc"
