#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::git {

// Where a working tree stands: the commit checked out and whether it has changes.
struct TreeState {
    std::string commit;      // full hex id of HEAD
    std::string shortCommit; // its first 12 characters
    std::string branch;      // empty when HEAD is detached
    bool dirty = false;      // changed, staged or untracked files
};

// The git repository a folder belongs to, read through libgit2 (the one place that speaks
// it). Returns nothing when the folder is not in a repository or HEAD has no commit.
std::optional<TreeState> describeTree(const std::string &directory, std::string &error);

// How a file differs, on one side (HEAD → index, or index → working tree).
enum class Change { None, Added, Modified, Deleted, Renamed, TypeChange, Untracked, Conflicted };

// One changed file: what is staged and what is not. Paths are relative to the working tree,
// with '/' separators; oldPath is set for a staged rename.
struct StatusEntry {
    std::string path;
    std::string oldPath;
    Change staged = Change::None;
    Change unstaged = Change::None;
};

// The checked-out branch. For a detached HEAD, name is the commit's short id.
struct BranchInfo {
    std::string name;
    std::string upstream; // e.g. "origin/main"; empty when none is configured
    int ahead = 0;        // commits on the branch that the upstream lacks
    int behind = 0;       // and the other way round
    bool detached = false;
    bool unborn = false; // no commit yet
};

struct CommitInfo {
    std::string id;      // full hex id
    std::string shortId; // the shortest unambiguous prefix, at least 7 characters
    std::string summary; // the first paragraph, on one line
    std::string message; // the whole message
    std::string author;
    std::string email;
    long long time = 0; // seconds since the epoch
};

struct DiffLine {
    char origin = ' '; // ' ' context, '+' added, '-' removed
    int oldLine = -1;  // 1-based; -1 for an added line
    int newLine = -1;  // 1-based; -1 for a removed line
    std::string text;  // without its trailing newline
};

struct DiffHunk {
    std::string header; // "@@ -1,3 +1,4 @@ ...", without its trailing newline
    std::vector<DiffLine> lines;
};

struct FileDiff {
    std::string path;
    bool binary = false;
    std::vector<DiffHunk> hunks; // empty when the file has no change on that side
};

// A git repository opened through libgit2, for the Studio's Source Control view: status,
// diffs, staging, commits and local branches. Errors come back as sentences a user can act
// on; nothing throws. Nimbus's own state (.nimbus/) never counts as a change. Move-only.
class Repository {
public:
    // Finds the repository the directory belongs to, looking upward like git does.
    static std::optional<Repository> open(const std::string &directory, std::string &error);
    // `git init`: the initial branch is the user's init.defaultBranch, else "main".
    static std::optional<Repository> init(const std::string &directory, std::string &error);

    Repository(Repository &&other) noexcept;
    Repository &operator=(Repository &&other) noexcept;
    ~Repository();

    std::string workdir() const; // absolute, with a trailing '/'

    BranchInfo branch(std::string &error) const;
    // Staged, unstaged and untracked files (untracked folders listed file by file), by path.
    std::vector<StatusEntry> status(std::string &error) const;
    // staged: HEAD → index; otherwise index → working tree, where an untracked file is all
    // added.
    std::optional<FileDiff> diff(const std::string &path, bool staged, std::string &error) const;

    // Adds the files to the index, or removes the ones deleted from the working tree.
    bool stage(const std::vector<std::string> &paths, std::string &error);
    // Puts the files' index entries back as HEAD has them (removes them before a first
    // commit).
    bool unstage(const std::vector<std::string> &paths, std::string &error);
    // Commits the index on the current branch, signed with user.name and user.email from git
    // config. Refuses an empty message and an index that matches HEAD.
    std::optional<CommitInfo> commit(const std::string &message, std::string &error);

    // Up to maxCount commits reachable from HEAD, newest first; empty before a first commit.
    std::vector<CommitInfo> log(int maxCount, std::string &error) const;
    std::vector<std::string> branches(std::string &error) const; // local branches, by name
    // Checks the branch out and moves HEAD to it. Refuses when tracked files have changes
    // (untracked files stay, unless the branch has files of the same name).
    bool switchBranch(const std::string &name, std::string &error);
    // A commit by full or abbreviated id (or any revision git understands: HEAD~1, a branch).
    std::optional<CommitInfo> findCommit(const std::string &revision, std::string &error) const;

private:
    struct Handle; // the libgit2 reference and the git_repository it keeps alive
    explicit Repository(std::unique_ptr<Handle> handle);
    std::unique_ptr<Handle> m_handle;
};

} // namespace nimbus::git
