#include "nimbus/git/gitrepository.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include "projectfiles.h"

#include <QtTest>

using namespace nimbus::git;

Q_DECLARE_METATYPE(Change)

// The Source Control library against real repositories in temporary folders, checked
// against what the real git command line says about the same repository. HOME and
// XDG_CONFIG_HOME point at an empty folder, so the user's own git config never leaks in;
// each repository gets its commit identity in its own .git/config.
class TestGitRepository : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void aFolderOutsideARepositoryIsAnError();
    void initCreatesTheDefaultBranch_data();
    void initCreatesTheDefaultBranch();
    void openFindsTheRepositoryFromASubfolder();
    void statusReportsEachChange_data();
    void statusReportsEachChange();
    void stagedRenameKeepsTheOldPath();
    void stageAndUnstage_data();
    void stageAndUnstage();
    void stagingADeletedFileRemovesIt();
    void diffsHaveLineNumbers_data();
    void diffsHaveLineNumbers();
    void binaryFilesAreNotDiffedByLine();
    void commitsShowInTheLog();
    void commitWithoutAnIdentitySaysHowToSetIt_data();
    void commitWithoutAnIdentitySaysHowToSetIt();
    void commitRefuses_data();
    void commitRefuses();
    void branchReportsItsUpstream();
    void switchingBranches();
    void switchingIsRefusedOnADirtyTree();
    void findCommit_data();
    void findCommit();
    void nimbusStateIsNotAChange();

private:
    QTemporaryDir m_home;
};

namespace {

void setIdentity(const QString &dir, bool name = true, bool email = true) {
    if (name)
        runGit(dir, {"config", "user.name", "Ada Tester"});
    if (email)
        runGit(dir, {"config", "user.email", "ada@example.com"});
}

// A new repository in dir with an identity configured, or a failed test.
std::optional<Repository> initRepository(const QString &dir, bool identity = true) {
    std::string error;
    auto repo = Repository::init(dir.toStdString(), error);
    if (!repo)
        qWarning("init failed: %s", error.c_str());
    else if (identity)
        setIdentity(dir);
    return repo;
}

// Stages and commits everything through the library.
std::optional<CommitInfo> commitAll(Repository &repo, const std::string &message) {
    std::string error;
    std::vector<std::string> paths;
    for (const StatusEntry &entry : repo.status(error))
        paths.push_back(entry.path);
    if (!repo.stage(paths, error) || !error.empty()) {
        qWarning("stage failed: %s", error.c_str());
        return std::nullopt;
    }
    auto commit = repo.commit(message, error);
    if (!commit)
        qWarning("commit failed: %s", error.c_str());
    return commit;
}

const StatusEntry *find(const std::vector<StatusEntry> &entries, const std::string &path) {
    for (const StatusEntry &entry : entries)
        if (entry.path == path)
            return &entry;
    return nullptr;
}

// "origin old new text", the way the rows below spell a diff line.
QStringList describe(const FileDiff &diff) {
    QStringList lines;
    for (const DiffHunk &hunk : diff.hunks)
        for (const DiffLine &line : hunk.lines)
            lines << QString("%1 %2 %3 %4")
                         .arg(line.origin)
                         .arg(line.oldLine)
                         .arg(line.newLine)
                         .arg(QString::fromStdString(line.text));
    return lines;
}

} // namespace

void TestGitRepository::initTestCase() {
    QVERIFY(m_home.isValid());
    // Before the first libgit2 use: it reads these when it initializes.
    qputenv("HOME", m_home.path().toUtf8());
    qputenv("XDG_CONFIG_HOME", (m_home.path() + "/.config").toUtf8());
    qputenv("GIT_CONFIG_NOSYSTEM", "1");
    qunsetenv("GIT_DIR");
    qunsetenv("GIT_WORK_TREE");
}

void TestGitRepository::aFolderOutsideARepositoryIsAnError() {
    QTemporaryDir dir;
    std::string error;
    QVERIFY(!Repository::open(dir.path().toStdString(), error));
    QVERIFY2(error.find("is not in a git repository") != std::string::npos, error.c_str());
    error.clear();
    QVERIFY(!Repository::open(dir.path().toStdString() + "/missing", error));
    QVERIFY(!error.empty());
}

void TestGitRepository::initCreatesTheDefaultBranch_data() {
    QTest::addColumn<QString>("configured");
    QTest::addColumn<QString>("expected");
    QTest::newRow("no init.defaultBranch: main") << QString() << "main";
    QTest::newRow("init.defaultBranch trunk: trunk") << "trunk"
                                                     << "trunk";
}

void TestGitRepository::initCreatesTheDefaultBranch() {
    QFETCH(QString, configured);
    QFETCH(QString, expected);
    QFile::remove(m_home.filePath(".gitconfig"));
    if (!configured.isEmpty())
        runGit(m_home.path(), {"config", "--global", "init.defaultBranch", configured});
    QTemporaryDir dir;
    std::string error;
    auto repo = Repository::init(dir.path().toStdString(), error);
    QFile::remove(m_home.filePath(".gitconfig"));
    QVERIFY2(repo, error.c_str());
    QCOMPARE(QString::fromStdString(repo->workdir()), QDir(dir.path()).canonicalPath() + '/');
    const BranchInfo branch = repo->branch(error);
    QVERIFY2(error.empty(), error.c_str());
    QVERIFY(branch.unborn);
    QVERIFY(!branch.detached);
    QCOMPARE(QString::fromStdString(branch.name), expected);
    QCOMPARE(runGit(dir.path(), {"symbolic-ref", "--short", "HEAD"}), expected);
    QVERIFY(repo->log(10, error).empty());
    QVERIFY(repo->status(error).empty());
    QVERIFY(Repository::open(dir.path().toStdString(), error));
}

void TestGitRepository::openFindsTheRepositoryFromASubfolder() {
    QTemporaryDir dir;
    QVERIFY(initRepository(dir.path()));
    QDir(dir.path()).mkpath("src/deep");
    std::string error;
    auto repo = Repository::open(dir.filePath("src/deep").toStdString(), error);
    QVERIFY2(repo, error.c_str());
    QCOMPARE(QString::fromStdString(repo->workdir()), QDir(dir.path()).canonicalPath() + '/');
}

void TestGitRepository::statusReportsEachChange_data() {
    QTest::addColumn<QString>("path");
    QTest::addColumn<Change>("staged");
    QTest::addColumn<Change>("unstaged");
    QTest::newRow("a modified file is an unstaged change")
        << "modified.txt" << Change::None << Change::Modified;
    QTest::newRow("a deleted file is an unstaged deletion")
        << "deleted.txt" << Change::None << Change::Deleted;
    QTest::newRow("a new file is untracked") << "new.txt" << Change::None << Change::Untracked;
    QTest::newRow("files in a new folder are listed one by one")
        << "newdir/inner.txt" << Change::None << Change::Untracked;
    QTest::newRow("a staged new file is added") << "added.txt" << Change::Added << Change::None;
    QTest::newRow("a staged edit is a staged modification")
        << "staged.txt" << Change::Modified << Change::None;
    QTest::newRow("an edit after staging is on both sides")
        << "both.txt" << Change::Modified << Change::Modified;
    QTest::newRow("a staged deletion") << "removed.txt" << Change::Deleted << Change::None;
    QTest::newRow("an unchanged file is not listed") << "same.txt" << Change::None << Change::None;
}

void TestGitRepository::statusReportsEachChange() {
    QFETCH(QString, path);
    QFETCH(Change, staged);
    QFETCH(Change, unstaged);
    QTemporaryDir dir;
    auto repo = initRepository(dir.path());
    QVERIFY(repo);
    for (const char *name :
         {"modified.txt", "deleted.txt", "staged.txt", "both.txt", "removed.txt", "same.txt"})
        writeFile(dir.path(), name, QByteArray(name) + "\n");
    QVERIFY(commitAll(*repo, "base"));
    writeFile(dir.path(), "modified.txt", "changed\n");
    QFile::remove(dir.filePath("deleted.txt"));
    writeFile(dir.path(), "new.txt", "new\n");
    writeFile(dir.path(), "newdir/inner.txt", "inner\n");
    writeFile(dir.path(), "added.txt", "added\n");
    writeFile(dir.path(), "staged.txt", "staged edit\n");
    writeFile(dir.path(), "both.txt", "first edit\n");
    runGit(dir.path(), {"add", "added.txt", "staged.txt", "both.txt"});
    runGit(dir.path(), {"rm", "-q", "removed.txt"});
    writeFile(dir.path(), "both.txt", "second edit\n");

    std::string error;
    const auto entries = repo->status(error);
    QVERIFY2(error.empty(), error.c_str());
    QCOMPARE(entries.size(), std::size_t(8));
    const StatusEntry *entry = find(entries, path.toStdString());
    if (staged == Change::None && unstaged == Change::None) {
        QVERIFY(!entry);
        return;
    }
    QVERIFY(entry);
    QCOMPARE(entry->staged, staged);
    QCOMPARE(entry->unstaged, unstaged);
    QVERIFY(entry->oldPath.empty());
}

void TestGitRepository::stagedRenameKeepsTheOldPath() {
    QTemporaryDir dir;
    auto repo = initRepository(dir.path());
    QVERIFY(repo);
    writeFile(dir.path(), "old.txt", "a file long enough\nto be recognised\nas the same file\n");
    QVERIFY(commitAll(*repo, "base"));
    runGit(dir.path(), {"mv", "old.txt", "new.txt"});
    std::string error;
    const auto entries = repo->status(error);
    QCOMPARE(entries.size(), std::size_t(1));
    QCOMPARE(entries[0].path, std::string("new.txt"));
    QCOMPARE(entries[0].oldPath, std::string("old.txt"));
    QCOMPARE(entries[0].staged, Change::Renamed);
}

void TestGitRepository::stageAndUnstage_data() {
    QTest::addColumn<bool>("firstCommit");
    QTest::addColumn<Change>("stagedAs");
    QTest::addColumn<Change>("unstagedAs");
    QTest::addColumn<QString>("porcelainAfterUnstage");
    QTest::newRow("before the first commit, unstaging removes the entry")
        << false << Change::Added << Change::Untracked << "?? file.txt";
    QTest::newRow("after a commit, unstaging restores HEAD's version")
        << true << Change::Modified << Change::Modified << " M file.txt";
}

void TestGitRepository::stageAndUnstage() {
    QFETCH(bool, firstCommit);
    QFETCH(Change, stagedAs);
    QFETCH(Change, unstagedAs);
    QFETCH(QString, porcelainAfterUnstage);
    QTemporaryDir dir;
    auto repo = initRepository(dir.path());
    QVERIFY(repo);
    if (firstCommit) {
        writeFile(dir.path(), "file.txt", "one\n");
        QVERIFY(commitAll(*repo, "base"));
    }
    writeFile(dir.path(), "file.txt", "two\n");
    std::string error;
    QVERIFY2(repo->stage({"file.txt"}, error), error.c_str());
    auto entries = repo->status(error);
    QCOMPARE(entries.size(), std::size_t(1));
    QCOMPARE(entries[0].staged, stagedAs);
    QCOMPARE(entries[0].unstaged, Change::None);
    QCOMPARE(runGit(dir.path(), {"diff", "--cached", "--name-only"}), QString("file.txt"));

    QVERIFY2(repo->unstage({"file.txt"}, error), error.c_str());
    entries = repo->status(error);
    QCOMPARE(entries.size(), std::size_t(1));
    QCOMPARE(entries[0].staged, Change::None);
    QCOMPARE(entries[0].unstaged, unstagedAs);
    QCOMPARE(runGit(dir.path(), {"status", "--porcelain"}), porcelainAfterUnstage);
}

void TestGitRepository::stagingADeletedFileRemovesIt() {
    QTemporaryDir dir;
    auto repo = initRepository(dir.path());
    QVERIFY(repo);
    writeFile(dir.path(), "gone.txt", "bye\n");
    QVERIFY(commitAll(*repo, "base"));
    QFile::remove(dir.filePath("gone.txt"));
    std::string error;
    QVERIFY2(repo->stage({"gone.txt"}, error), error.c_str());
    const auto entries = repo->status(error);
    QCOMPARE(entries.size(), std::size_t(1));
    QCOMPARE(entries[0].staged, Change::Deleted);
    QCOMPARE(entries[0].unstaged, Change::None);
    QCOMPARE(runGit(dir.path(), {"status", "--porcelain"}), QString("D  gone.txt"));
}

void TestGitRepository::diffsHaveLineNumbers_data() {
    QTest::addColumn<bool>("committed"); // file.txt holds "one two three" in HEAD
    QTest::addColumn<bool>("stageIt");
    QTest::addColumn<bool>("staged"); // which side to diff
    QTest::addColumn<QStringList>("lines");
    QTest::addColumn<QString>("header");
    const QStringList edit = {"  1 1 one", "- 2 -1 two", "+ -1 2 2", "  3 3 three", "+ -1 4 four"};
    const QStringList added = {"+ -1 1 one", "+ -1 2 2", "+ -1 3 three", "+ -1 4 four"};
    QTest::newRow("an unstaged edit") << true << false << false << edit << "@@ -1,3 +1,4 @@";
    QTest::newRow("a staged edit") << true << true << true << edit << "@@ -1,3 +1,4 @@";
    QTest::newRow("a staged edit has no unstaged side")
        << true << true << false << QStringList() << QString();
    QTest::newRow("an unstaged edit has no staged side")
        << true << false << true << QStringList() << QString();
    QTest::newRow("an untracked file is all added")
        << false << false << false << added << "@@ -0,0 +1,4 @@";
    QTest::newRow("a file staged before the first commit is all added")
        << false << true << true << added << "@@ -0,0 +1,4 @@";
}

void TestGitRepository::diffsHaveLineNumbers() {
    QFETCH(bool, committed);
    QFETCH(bool, stageIt);
    QFETCH(bool, staged);
    QFETCH(QStringList, lines);
    QFETCH(QString, header);
    QTemporaryDir dir;
    auto repo = initRepository(dir.path());
    QVERIFY(repo);
    if (committed) {
        writeFile(dir.path(), "file.txt", "one\ntwo\nthree\n");
        QVERIFY(commitAll(*repo, "base"));
    }
    writeFile(dir.path(), "file.txt", "one\n2\nthree\nfour\n");
    std::string error;
    if (stageIt)
        QVERIFY2(repo->stage({"file.txt"}, error), error.c_str());
    const auto diff = repo->diff("file.txt", staged, error);
    QVERIFY2(diff, error.c_str());
    QCOMPARE(diff->path, std::string("file.txt"));
    QVERIFY(!diff->binary);
    QCOMPARE(describe(*diff), lines);
    if (!header.isEmpty()) {
        QCOMPARE(diff->hunks.size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(diff->hunks[0].header), header);
    }
}

void TestGitRepository::binaryFilesAreNotDiffedByLine() {
    QTemporaryDir dir;
    auto repo = initRepository(dir.path());
    QVERIFY(repo);
    writeFile(dir.path(), "image.png", QByteArray("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
    std::string error;
    const auto diff = repo->diff("image.png", false, error);
    QVERIFY2(diff, error.c_str());
    QVERIFY(diff->binary);
    QVERIFY(diff->hunks.empty());
}

void TestGitRepository::commitsShowInTheLog() {
    QTemporaryDir dir;
    auto repo = initRepository(dir.path());
    QVERIFY(repo);
    writeFile(dir.path(), "handler.py", "def handle(event, context):\n    return 1\n");
    const auto first = commitAll(*repo, "Add the handler\n\nIt returns one.");
    QVERIFY(first);
    QCOMPARE(first->summary, std::string("Add the handler"));
    QCOMPARE(first->message, std::string("Add the handler\n\nIt returns one."));
    QCOMPARE(first->author, std::string("Ada Tester"));
    QCOMPARE(first->email, std::string("ada@example.com"));
    QVERIFY(std::abs(first->time - QDateTime::currentSecsSinceEpoch()) < 60);
    QCOMPARE(QString::fromStdString(first->id), runGit(dir.path(), {"rev-parse", "HEAD"}));

    writeFile(dir.path(), "handler.py", "def handle(event, context):\n    return 2\n");
    const auto second = commitAll(*repo, "Return two");
    QVERIFY(second);
    std::string error;
    const auto log = repo->log(50, error);
    QVERIFY2(error.empty(), error.c_str());
    QCOMPARE(log.size(), std::size_t(2));
    QCOMPARE(log[0].id, second->id);
    QCOMPARE(log[1].id, first->id);
    QStringList summaries;
    for (const CommitInfo &c : log)
        summaries << QString::fromStdString(c.summary);
    QCOMPARE(summaries, runGit(dir.path(), {"log", "--format=%s"}).split('\n'));
    QCOMPARE(repo->log(1, error).size(), std::size_t(1));
    QCOMPARE(runGit(dir.path(), {"status", "--porcelain"}), QString());
    const BranchInfo branch = repo->branch(error);
    QVERIFY(!branch.unborn);
    QCOMPARE(branch.name, std::string("main"));
    QVERIFY(branch.upstream.empty());
}

void TestGitRepository::commitWithoutAnIdentitySaysHowToSetIt_data() {
    QTest::addColumn<bool>("name");
    QTest::addColumn<bool>("email");
    QTest::addColumn<QString>("expected");
    QTest::newRow("neither name nor email")
        << false << false
        << "set your name and email for commits: git config --global user.name 'Your Name' and "
           "git config --global user.email 'you@example.com'";
    QTest::newRow("no name") << false << true
                             << "set your name for commits: git config --global user.name "
                                "'Your Name'";
    QTest::newRow("no email") << true << false
                              << "set your email for commits: git config --global user.email "
                                 "'you@example.com'";
}

void TestGitRepository::commitWithoutAnIdentitySaysHowToSetIt() {
    QFETCH(bool, name);
    QFETCH(bool, email);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    auto repo = initRepository(dir.path(), false);
    QVERIFY(repo);
    setIdentity(dir.path(), name, email);
    writeFile(dir.path(), "a.txt", "a\n");
    std::string error;
    QVERIFY(repo->stage({"a.txt"}, error));
    QVERIFY(!repo->commit("First", error));
    QCOMPARE(QString::fromStdString(error), expected);
    QVERIFY(repo->branch(error).unborn);
}

void TestGitRepository::commitRefuses_data() {
    QTest::addColumn<bool>("committed");
    QTest::addColumn<bool>("stageSomething");
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("expected");
    QTest::newRow("an empty message") << true << true << ""
                                      << "write a commit message first";
    QTest::newRow("a message of blanks") << true << true << "  \n\t\n"
                                         << "write a commit message first";
    QTest::newRow("nothing staged after a commit") << true << false << "More"
                                                   << "nothing to commit: stage your changes first";
    QTest::newRow("nothing staged before the first commit")
        << false << false << "First"
        << "nothing to commit: stage your changes first";
}

void TestGitRepository::commitRefuses() {
    QFETCH(bool, committed);
    QFETCH(bool, stageSomething);
    QFETCH(QString, message);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    auto repo = initRepository(dir.path());
    QVERIFY(repo);
    if (committed) {
        writeFile(dir.path(), "a.txt", "a\n");
        QVERIFY(commitAll(*repo, "base"));
    }
    writeFile(dir.path(), "a.txt", "changed\n");
    std::string error;
    if (stageSomething)
        QVERIFY(repo->stage({"a.txt"}, error));
    QVERIFY(!repo->commit(message.toStdString(), error));
    QCOMPARE(QString::fromStdString(error), expected);
    QCOMPARE(repo->log(10, error).size(), std::size_t(committed ? 1 : 0));
}

void TestGitRepository::branchReportsItsUpstream() {
    QTemporaryDir origin;
    auto upstreamRepo = initRepository(origin.path());
    QVERIFY(upstreamRepo);
    writeFile(origin.path(), "a.txt", "a\n");
    QVERIFY(commitAll(*upstreamRepo, "base"));
    QTemporaryDir dir;
    bool cloned = false;
    runGit(dir.path(), {"clone", "-q", origin.path(), "clone"}, &cloned);
    QVERIFY(cloned);
    const QString clone = dir.filePath("clone");
    setIdentity(clone);
    std::string error;
    auto repo = Repository::open(clone.toStdString(), error);
    QVERIFY2(repo, error.c_str());
    BranchInfo branch = repo->branch(error);
    QCOMPARE(branch.name, std::string("main"));
    QCOMPARE(branch.upstream, std::string("origin/main"));
    QCOMPARE(branch.ahead, 0);
    QCOMPARE(branch.behind, 0);

    writeFile(clone, "b.txt", "b\n");
    QVERIFY(commitAll(*repo, "local one"));
    writeFile(clone, "b.txt", "bb\n");
    QVERIFY(commitAll(*repo, "local two"));
    writeFile(origin.path(), "c.txt", "c\n");
    QVERIFY(commitAll(*upstreamRepo, "remote"));
    runGit(clone, {"fetch", "-q"});
    branch = repo->branch(error);
    QVERIFY2(error.empty(), error.c_str());
    QCOMPARE(branch.ahead, 2);
    QCOMPARE(branch.behind, 1);

    runGit(clone, {"checkout", "-q", "--detach", "HEAD~1"});
    branch = repo->branch(error);
    QVERIFY(branch.detached);
    QCOMPARE(QString::fromStdString(branch.name), runGit(clone, {"rev-parse", "--short", "HEAD"}));
}

void TestGitRepository::switchingBranches() {
    QTemporaryDir dir;
    auto repo = initRepository(dir.path());
    QVERIFY(repo);
    writeFile(dir.path(), "a.txt", "main\n");
    QVERIFY(commitAll(*repo, "base"));
    runGit(dir.path(), {"branch", "feature"});
    std::string error;
    QCOMPARE(repo->branches(error), (std::vector<std::string>{"feature", "main"}));

    writeFile(dir.path(), "notes.txt", "untracked files do not stop a switch\n");
    QVERIFY2(repo->switchBranch("feature", error), error.c_str());
    QCOMPARE(runGit(dir.path(), {"rev-parse", "--abbrev-ref", "HEAD"}), QString("feature"));
    QCOMPARE(repo->branch(error).name, std::string("feature"));
    writeFile(dir.path(), "a.txt", "feature\n");
    QVERIFY(repo->stage({"a.txt"}, error));
    QVERIFY2(repo->commit("on feature", error), error.c_str());

    QVERIFY2(repo->switchBranch("main", error), error.c_str());
    QCOMPARE(runGit(dir.path(), {"rev-parse", "--abbrev-ref", "HEAD"}), QString("main"));
    QFile file(dir.filePath("a.txt"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), QByteArray("main\n"));
    QCOMPARE(runGit(dir.path(), {"status", "--porcelain"}), QString("?? notes.txt"));

    QVERIFY(!repo->switchBranch("nope", error));
    QCOMPARE(error, std::string("there is no branch named 'nope'"));
}

void TestGitRepository::switchingIsRefusedOnADirtyTree() {
    QTemporaryDir dir;
    auto repo = initRepository(dir.path());
    QVERIFY(repo);
    writeFile(dir.path(), "a.txt", "main\n");
    QVERIFY(commitAll(*repo, "base"));
    runGit(dir.path(), {"branch", "feature"});
    writeFile(dir.path(), "a.txt", "edited\n");
    std::string error;
    QVERIFY(!repo->switchBranch("feature", error));
    QCOMPARE(error, std::string("commit or discard your changes before switching to 'feature' "
                                "(1 file has changes)"));
    QCOMPARE(runGit(dir.path(), {"rev-parse", "--abbrev-ref", "HEAD"}), QString("main"));
    error.clear();
    QVERIFY(repo->stage({"a.txt"}, error)); // staged changes count too
    QVERIFY(!repo->switchBranch("feature", error));
    QVERIFY(error.find("commit or discard") != std::string::npos);
}

void TestGitRepository::findCommit_data() {
    QTest::addColumn<QString>("revision"); // "short", "full" stand for HEAD's ids
    QTest::addColumn<bool>("found");
    QTest::newRow("by short id") << "short" << true;
    QTest::newRow("by full id") << "full" << true;
    QTest::newRow("by branch name") << "main" << true;
    QTest::newRow("an unknown id") << "deadbeef" << false;
    QTest::newRow("an empty revision") << "" << false;
}

void TestGitRepository::findCommit() {
    QFETCH(QString, revision);
    QFETCH(bool, found);
    QTemporaryDir dir;
    auto repo = initRepository(dir.path());
    QVERIFY(repo);
    writeFile(dir.path(), "a.txt", "a\n");
    const auto head = commitAll(*repo, "base");
    QVERIFY(head);
    QCOMPARE(QString::fromStdString(head->shortId),
             runGit(dir.path(), {"rev-parse", "--short", "HEAD"}));
    if (revision == "short")
        revision = QString::fromStdString(head->shortId);
    else if (revision == "full")
        revision = QString::fromStdString(head->id);
    std::string error;
    const auto commit = repo->findCommit(revision.toStdString(), error);
    QCOMPARE(bool(commit), found);
    if (found) {
        QCOMPARE(commit->id, head->id);
        QCOMPARE(commit->summary, std::string("base"));
    } else {
        QVERIFY(!error.empty());
    }
}

void TestGitRepository::nimbusStateIsNotAChange() {
    QTemporaryDir dir;
    auto repo = initRepository(dir.path());
    QVERIFY(repo);
    writeFile(dir.path(), "a.txt", "a\n");
    QVERIFY(commitAll(*repo, "base"));
    runGit(dir.path(), {"branch", "feature"});
    writeFile(dir.path(), ".nimbus/store/invocations.db", "state");
    writeFile(dir.path(), "services/api/.nimbus/package.zip", "zip");
    std::string error;
    QVERIFY(repo->status(error).empty());
    QVERIFY2(repo->switchBranch("feature", error), error.c_str());
    writeFile(dir.path(), "b.txt", "b\n");
    const auto entries = repo->status(error);
    QCOMPARE(entries.size(), std::size_t(1));
    QCOMPARE(entries[0].path, std::string("b.txt"));
}

QTEST_GUILESS_MAIN(TestGitRepository)
#include "tst_gitrepository.moc"
