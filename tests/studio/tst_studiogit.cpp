// The Git panel in-process (offscreen) on real repositories in temporary folders: what a
// user clicks and types, checked against what the real git command line then reports.
#include "panels/gitpanel.h"
#include "projectfiles.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>
#include <QTreeWidget>

using namespace nimbus::studio;

class TestStudioGit : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void aFolderWithoutGitOffersToInitialize();
    void stagingAndCommitting();
    void editsShowAsInlineAndSideBySideDiffs();
    void activatingAFileTogglesItsStaging();
    void ctrlEnterCommits();
    void switchingBranchIsRefusedOnADirtyTree();
    void selectCommitFindsAShortId();
    void aCommitErrorIsShownInWords();
    void renderScreenshot();

private:
    QTemporaryDir m_home;
};

namespace {

void setIdentity(const QString &dir) {
    runGit(dir, {"config", "user.name", "Ada Tester"});
    runGit(dir, {"config", "user.email", "ada@example.com"});
}

// A repository with one commit of handler.py, made with the real git.
void makeRepository(const QString &dir) {
    runGit(dir, {"init", "-q", "-b", "main"});
    setIdentity(dir);
    writeFile(dir, "handler.py", "def handle(event, context):\n    return 1\n");
    runGit(dir, {"add", "handler.py"});
    runGit(dir, {"commit", "-q", "-m", "Add the handler"});
}

QTreeWidgetItem *group(QTreeWidget *view, const QString &title) {
    for (int i = 0; i < view->topLevelItemCount(); ++i)
        if (view->topLevelItem(i)->text(0) == title)
            return view->topLevelItem(i);
    return nullptr;
}

QTreeWidgetItem *fileIn(QTreeWidget *view, const QString &groupTitle, const QString &path) {
    QTreeWidgetItem *top = group(view, groupTitle);
    for (int i = 0; top && i < top->childCount(); ++i)
        if (top->child(i)->text(0) == path)
            return top->child(i);
    return nullptr;
}

void select(QTreeWidget *view, QTreeWidgetItem *item) {
    view->clearSelection();
    view->setCurrentItem(item);
    item->setSelected(true);
}

QStringList lines(const QPlainTextEdit *view) {
    return view->toPlainText().split('\n');
}

// The block of view whose text is exactly text, or -1.
int blockOf(const QPlainTextEdit *view, const QString &text) {
    for (QTextBlock b = view->document()->begin(); b.isValid(); b = b.next())
        if (b.text() == text)
            return b.blockNumber();
    return -1;
}

} // namespace

void TestStudioGit::initTestCase() {
    QVERIFY(m_home.isValid());
    // Nobody's own git identity or defaults: each repository sets what it needs.
    qputenv("HOME", m_home.path().toUtf8());
    qputenv("XDG_CONFIG_HOME", (m_home.path() + "/.config").toUtf8());
    qputenv("GIT_CONFIG_NOSYSTEM", "1");
}

void TestStudioGit::aFolderWithoutGitOffersToInitialize() {
    QTemporaryDir project;
    GitPanel panel(project.path());
    panel.resize(900, 600);
    panel.show();
    QVERIFY(panel.initButton()->isVisible());
    QVERIFY(!panel.changesView()->isVisible());
    QCOMPARE(panel.initButton()->accessibleName(), QString("Initialize Repository"));
    QSignalSpy changed(&panel, &GitPanel::changed);
    QTest::mouseClick(panel.initButton(), Qt::LeftButton);
    QCOMPARE(changed.count(), 1);
    QVERIFY(QFileInfo(project.filePath(".git")).isDir());
    QCOMPARE(runGit(project.path(), {"rev-parse", "--show-toplevel"}),
             QDir(project.path()).canonicalPath());
    QVERIFY(!panel.initButton()->isVisible());
    QVERIFY(panel.changesView()->isVisible());
    QCOMPARE(panel.branchLabel()->text(), QString("main — no commits yet"));
    QCOMPARE(panel.logView()->topLevelItemCount(), 0);
}

void TestStudioGit::stagingAndCommitting() {
    QTemporaryDir project;
    GitPanel panel(project.path());
    panel.show();
    QTest::mouseClick(panel.initButton(), Qt::LeftButton);
    setIdentity(project.path());
    writeFile(project.path(), "handler.py", "def handle(event, context):\n    return 1\n");
    writeFile(project.path(), ".nimbus/store.db", "simulator state");
    panel.refresh();

    QTreeWidget *changes = panel.changesView();
    QTreeWidgetItem *untracked = fileIn(changes, "Untracked", "handler.py");
    QVERIFY(untracked);
    QCOMPARE(untracked->text(1), QString("U"));
    QCOMPARE(group(changes, "Untracked")->childCount(), 1); // not .nimbus/
    QVERIFY(!group(changes, "Staged Changes"));

    select(changes, untracked);
    QCOMPARE(lines(panel.diffView()),
             (QStringList{"@@ -0,0 +1,2 @@", "+def handle(event, context):", "+    return 1"}));
    QCOMPARE(panel.diffView()->newLine(2), 2);
    QCOMPARE(panel.diffView()->oldLine(2), -1);
    QVERIFY(panel.stageButton()->isEnabled());
    QVERIFY(!panel.unstageButton()->isEnabled());
    QVERIFY(!panel.commitButton()->isEnabled());

    QSignalSpy changed(&panel, &GitPanel::changed);
    QTest::mouseClick(panel.stageButton(), Qt::LeftButton);
    QCOMPARE(changed.count(), 1);
    QVERIFY(!group(changes, "Untracked"));
    QTreeWidgetItem *staged = fileIn(changes, "Staged Changes", "handler.py");
    QVERIFY(staged);
    QCOMPARE(staged->text(1), QString("A"));
    QCOMPARE(runGit(project.path(), {"diff", "--cached", "--name-only"}), QString("handler.py"));
    // The selection followed the file: its staged diff is shown.
    QVERIFY(staged->isSelected());
    QVERIFY(lines(panel.diffView()).contains("+    return 1"));
    QVERIFY(panel.unstageButton()->isEnabled());

    QVERIFY(!panel.commitButton()->isEnabled()); // no message yet
    QTest::keyClicks(panel.messageEdit(), "Add the handler");
    QVERIFY(panel.commitButton()->isEnabled());
    QSignalSpy committed(&panel, &GitPanel::committed);
    QTest::mouseClick(panel.commitButton(), Qt::LeftButton);
    QCOMPARE(runGit(project.path(), {"log", "--format=%s"}), QString("Add the handler"));
    QCOMPARE(committed.count(), 1);
    QCOMPARE(committed.first().first().toString(),
             runGit(project.path(), {"rev-parse", "--short", "HEAD"}));
    QVERIFY(panel.messageEdit()->toPlainText().isEmpty());
    QVERIFY(!panel.commitButton()->isEnabled());
    QCOMPARE(panel.logView()->topLevelItemCount(), 1);
    QCOMPARE(panel.logView()->topLevelItem(0)->text(1), QString("Add the handler"));
    QCOMPARE(panel.logView()->topLevelItem(0)->text(2), QString("Ada Tester"));
    QCOMPARE(panel.branchLabel()->text(), QString("main (no upstream)"));
    QVERIFY(!group(changes, "Staged Changes"));
    QCOMPARE(runGit(project.path(), {"status", "--porcelain"}), QString("?? .nimbus/"));
}

void TestStudioGit::editsShowAsInlineAndSideBySideDiffs() {
    QTemporaryDir project;
    makeRepository(project.path());
    GitPanel panel(project.path());
    panel.show();
    writeFile(project.path(), "handler.py", "def handle(event, context):\n    return 2\n");
    panel.refresh();
    QTreeWidgetItem *modified = fileIn(panel.changesView(), "Changes", "handler.py");
    QVERIFY(modified);
    QCOMPARE(modified->text(1), QString("M"));
    select(panel.changesView(), modified);

    const DiffTextView *diff = panel.diffView();
    QCOMPARE(lines(diff), (QStringList{"@@ -1,2 +1,2 @@", " def handle(event, context):",
                                       "-    return 1", "+    return 2"}));
    QCOMPARE(diff->oldLine(0), -1); // the hunk header has no numbers
    QCOMPARE(diff->oldLine(1), 1);
    QCOMPARE(diff->newLine(1), 1);
    QCOMPARE(diff->oldLine(2), 2);
    QCOMPARE(diff->newLine(2), -1);
    QCOMPARE(diff->oldLine(3), -1);
    QCOMPARE(diff->newLine(3), 2);
    // Removed lines on red, added on green, context on nothing.
    const QColor removed =
        diff->document()->findBlockByNumber(2).blockFormat().background().color();
    const QColor added = diff->document()->findBlockByNumber(3).blockFormat().background().color();
    QVERIFY(removed.red() > removed.green());
    QVERIFY(added.green() > added.red());
    QCOMPARE(diff->document()->findBlockByNumber(1).blockFormat().background().style(),
             Qt::NoBrush);
    QVERIFY(diff->isReadOnly());
    QVERIFY(diff->font().fixedPitch() || QFontInfo(diff->font()).fixedPitch());

    panel.sideBySideToggle()->setChecked(true);
    QVERIFY(panel.oldSideView()->isVisible());
    QVERIFY(!panel.diffView()->isVisible());
    const int oldRow = blockOf(panel.oldSideView(), "    return 1");
    const int newRow = blockOf(panel.newSideView(), "    return 2");
    QVERIFY(oldRow > 0);
    QCOMPARE(newRow, oldRow); // a replaced line faces its replacement
    QCOMPARE(panel.oldSideView()->oldLine(oldRow), 2);
    QCOMPARE(panel.newSideView()->newLine(newRow), 2);
    QCOMPARE(panel.oldSideView()->document()->blockCount(),
             panel.newSideView()->document()->blockCount());

    writeFile(project.path(), "logo.png", QByteArray("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
    panel.sideBySideToggle()->setChecked(false);
    panel.refresh();
    select(panel.changesView(), fileIn(panel.changesView(), "Untracked", "logo.png"));
    QCOMPARE(panel.diffView()->toPlainText(), QString("Binary file"));
}

void TestStudioGit::activatingAFileTogglesItsStaging() {
    QTemporaryDir project;
    makeRepository(project.path());
    GitPanel panel(project.path());
    panel.resize(1000, 700);
    panel.show();
    writeFile(project.path(), "handler.py", "changed\n");
    panel.refresh();
    QTreeWidget *changes = panel.changesView();
    select(changes, fileIn(changes, "Changes", "handler.py"));
    changes->setFocus();
    QTest::keyClick(changes, Qt::Key_Return);
    QVERIFY(fileIn(changes, "Staged Changes", "handler.py"));
    QCOMPARE(runGit(project.path(), {"status", "--porcelain"}), QString("M  handler.py"));
    QTreeWidgetItem *staged = fileIn(changes, "Staged Changes", "handler.py");
    const QRect rect = changes->visualItemRect(staged);
    // A real double click: press and release, then the second press that makes it double.
    QTest::mouseClick(changes->viewport(), Qt::LeftButton, {}, rect.center());
    QVERIFY(fileIn(changes, "Staged Changes", "handler.py")); // a single click does not toggle
    QTest::mouseDClick(changes->viewport(), Qt::LeftButton, {}, rect.center());
    QVERIFY(fileIn(changes, "Changes", "handler.py"));
    QCOMPARE(runGit(project.path(), {"status", "--porcelain"}), QString(" M handler.py"));
}

void TestStudioGit::ctrlEnterCommits() {
    QTemporaryDir project;
    makeRepository(project.path());
    GitPanel panel(project.path());
    panel.show();
    writeFile(project.path(), "handler.py", "changed\n");
    panel.refresh();
    QTest::keyClicks(panel.messageEdit(), "Change the handler");
    // Nothing staged: Ctrl+Enter does not commit.
    QTest::keyClick(panel.messageEdit(), Qt::Key_Return, Qt::ControlModifier);
    QCOMPARE(runGit(project.path(), {"log", "--format=%s"}), QString("Add the handler"));
    QCOMPARE(panel.messageEdit()->toPlainText(), QString("Change the handler"));
    const auto actions = panel.changesView()->actions();
    const auto stageAll = std::find_if(actions.begin(), actions.end(),
                                       [](QAction *a) { return a->text() == "Stage All"; });
    QVERIFY(stageAll != actions.end());
    (*stageAll)->trigger();
    QTest::keyClick(panel.messageEdit(), Qt::Key_Return, Qt::ControlModifier);
    QCOMPARE(runGit(project.path(), {"log", "--format=%s"}),
             QString("Change the handler\nAdd the handler"));
    QCOMPARE(panel.logView()->topLevelItemCount(), 2);
}

void TestStudioGit::switchingBranchIsRefusedOnADirtyTree() {
    QTemporaryDir project;
    makeRepository(project.path());
    runGit(project.path(), {"branch", "feature"});
    GitPanel panel(project.path());
    panel.show();
    writeFile(project.path(), "handler.py", "dirty\n");
    panel.refresh();
    QComboBox *branches = panel.branchCombo();
    QCOMPARE(branches->count(), 2);
    QCOMPARE(branches->currentText(), QString("main"));
    QVERIFY(!panel.switchButton()->isEnabled());
    branches->setCurrentText("feature");
    QVERIFY(panel.switchButton()->isEnabled());
    QTest::mouseClick(panel.switchButton(), Qt::LeftButton);
    QVERIFY(panel.statusLabel()->isVisible());
    QVERIFY2(panel.statusLabel()->text().contains("commit or discard your changes before "
                                                  "switching to 'feature'",
                                                  Qt::CaseInsensitive),
             qPrintable(panel.statusLabel()->text()));
    QCOMPARE(runGit(project.path(), {"rev-parse", "--abbrev-ref", "HEAD"}), QString("main"));
    QCOMPARE(branches->currentText(), QString("main"));

    runGit(project.path(), {"checkout", "--", "handler.py"});
    panel.refresh();
    branches->setCurrentText("feature");
    QTest::mouseClick(panel.switchButton(), Qt::LeftButton);
    QCOMPARE(runGit(project.path(), {"rev-parse", "--abbrev-ref", "HEAD"}), QString("feature"));
    QCOMPARE(panel.branchLabel()->text(), QString("feature (no upstream)"));
}

void TestStudioGit::selectCommitFindsAShortId() {
    QTemporaryDir project;
    makeRepository(project.path());
    const QString first = runGit(project.path(), {"rev-parse", "--short", "HEAD"});
    writeFile(project.path(), "handler.py", "second\n");
    runGit(project.path(), {"commit", "-q", "-am", "Second"});
    GitPanel panel(project.path());
    QCOMPARE(panel.logView()->topLevelItemCount(), 2);
    QVERIFY(panel.selectCommit(first));
    QCOMPARE(panel.logView()->currentItem()->text(0), first);
    QCOMPARE(panel.logView()->currentItem()->text(1), QString("Add the handler"));
    QVERIFY(panel.logView()->currentItem()->toolTip(1).contains(
        runGit(project.path(), {"rev-parse", "HEAD~1"})));
    QVERIFY(panel.selectCommit(runGit(project.path(), {"rev-parse", "HEAD"})));
    QCOMPARE(panel.logView()->currentItem()->text(1), QString("Second"));
    QVERIFY(!panel.selectCommit("deadbeef"));
    QVERIFY(!panel.selectCommit(""));
}

void TestStudioGit::aCommitErrorIsShownInWords() {
    QTemporaryDir project;
    GitPanel panel(project.path());
    panel.show();
    QTest::mouseClick(panel.initButton(), Qt::LeftButton); // no identity configured
    writeFile(project.path(), "handler.py", "x = 1\n");
    panel.refresh();
    select(panel.changesView(), fileIn(panel.changesView(), "Untracked", "handler.py"));
    QTest::mouseClick(panel.stageButton(), Qt::LeftButton);
    QTest::keyClicks(panel.messageEdit(), "First");
    QSignalSpy committed(&panel, &GitPanel::committed);
    QTest::mouseClick(panel.commitButton(), Qt::LeftButton);
    QCOMPARE(committed.count(), 0);
    QVERIFY(panel.statusLabel()->isVisible());
    QVERIFY2(panel.statusLabel()->text().contains("git config --global user.name 'Your Name'"),
             qPrintable(panel.statusLabel()->text()));
    QCOMPARE(panel.messageEdit()->toPlainText(), QString("First")); // kept for the retry
    QVERIFY(fileIn(panel.changesView(), "Staged Changes", "handler.py"));
}

// With NIMBUS_GIT_SCREENSHOT=file.png, renders the panel on a realistic repository (for
// judging its layout by eye); otherwise there is nothing to check.
void TestStudioGit::renderScreenshot() {
    const QString target = qEnvironmentVariable("NIMBUS_GIT_SCREENSHOT");
    if (target.isEmpty())
        QSKIP("set NIMBUS_GIT_SCREENSHOT to a .png path to render the panel");
    QTemporaryDir project;
    const QString dir = project.path();
    makeRepository(dir);
    writeFile(dir, "serverless.yml", "service: hello\nprovider:\n  name: aws\n");
    runGit(dir, {"add", "serverless.yml"});
    runGit(dir, {"commit", "-q", "-m", "Describe the service"});
    writeFile(dir, "handler.py",
          "import json\n\n\ndef handle(event, context):\n    name = event.get('name', 'world')\n"
          "    return {'statusCode': 200, 'body': json.dumps({'hello': name})}\n");
    runGit(dir, {"add", "handler.py"});
    runGit(dir, {"commit", "-q", "-m", "Greet by name"});
    writeFile(dir, "handler.py",
          "import json\nimport logging\n\n\ndef handle(event, context):\n"
          "    name = (event.get('queryStringParameters') or {}).get('name', 'world')\n"
          "    logging.info('greeting %s', name)\n"
          "    return {'statusCode': 200, 'body': json.dumps({'hello': name})}\n");
    writeFile(dir, "serverless.yml", "service: hello\nprovider:\n  name: aws\n  runtime: python3.11\n");
    runGit(dir, {"add", "serverless.yml"});
    writeFile(dir, "events/hello/get.json", "{\"queryStringParameters\": {\"name\": \"Ada\"}}\n");
    GitPanel panel(dir);
    panel.resize(1200, 640);
    panel.show();
    select(panel.changesView(), fileIn(panel.changesView(), "Changes", "handler.py"));
    panel.messageEdit()->setPlainText("Read the name from the query string");
    QVERIFY(panel.grab().save(target));
    panel.sideBySideToggle()->setChecked(true);
    QVERIFY(panel.grab().save(QString(target).replace(".png", "-side.png")));
    panel.resize(420, 900);
    QVERIFY(panel.grab().save(QString(target).replace(".png", "-narrow.png")));
}

QTEST_MAIN(TestStudioGit)
#include "tst_studiogit.moc"
