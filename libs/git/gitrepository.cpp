#include "nimbus/git/gitrepository.h"

#include <algorithm>
#include <filesystem>
#include <git2.h>
#include <memory>

namespace nimbus::git {

namespace {

// libgit2 wants init/shutdown around its use; it counts them, so each holder (a call, an
// open Repository) takes its own reference and callers never think about it.
struct Library {
    Library() { git_libgit2_init(); }
    ~Library() { git_libgit2_shutdown(); }
    Library(const Library &) = delete;
    Library &operator=(const Library &) = delete;
};

std::string lastError() {
    const git_error *e = git_error_last();
    return e && e->message ? e->message : "unknown libgit2 error";
}

// One owner type per libgit2 object, freed with its own function.
template <auto Free> struct Deleter {
    template <typename T> void operator()(T *p) const { Free(p); }
};
using Reference = std::unique_ptr<git_reference, Deleter<git_reference_free>>;
using Object = std::unique_ptr<git_object, Deleter<git_object_free>>;
using Commit = std::unique_ptr<git_commit, Deleter<git_commit_free>>;
using Tree = std::unique_ptr<git_tree, Deleter<git_tree_free>>;
using Index = std::unique_ptr<git_index, Deleter<git_index_free>>;
using StatusList = std::unique_ptr<git_status_list, Deleter<git_status_list_free>>;
using Diff = std::unique_ptr<git_diff, Deleter<git_diff_free>>;
using Patch = std::unique_ptr<git_patch, Deleter<git_patch_free>>;
using Signature = std::unique_ptr<git_signature, Deleter<git_signature_free>>;
using Config = std::unique_ptr<git_config, Deleter<git_config_free>>;
using RevWalk = std::unique_ptr<git_revwalk, Deleter<git_revwalk_free>>;
using BranchIterator = std::unique_ptr<git_branch_iterator, Deleter<git_branch_iterator_free>>;

// A git_buf that disposes of itself.
struct Buffer {
    git_buf buf = GIT_BUF_INIT;
    Buffer() = default;
    Buffer(const Buffer &) = delete;
    Buffer &operator=(const Buffer &) = delete;
    ~Buffer() { git_buf_dispose(&buf); }
    std::string str() const { return buf.ptr ? std::string(buf.ptr, buf.size) : std::string(); }
};

// Nimbus's own state (.nimbus/: the simulator's store, packages) is not a change to the
// code, even when no .gitignore leaves it out.
bool isNimbusState(const std::string &path) {
    return path.rfind(".nimbus/", 0) == 0 || path.find("/.nimbus/") != std::string::npos;
}

std::string hex(const git_oid *oid) {
    char text[GIT_OID_HEXSZ + 1] = {};
    git_oid_tostr(text, sizeof text, oid);
    return text;
}

CommitInfo describeCommit(const git_commit *commit) {
    CommitInfo info;
    info.id = hex(git_commit_id(commit));
    Buffer shortId;
    if (git_object_short_id(&shortId.buf, reinterpret_cast<const git_object *>(commit)) == 0)
        info.shortId = shortId.str();
    else
        info.shortId = info.id.substr(0, 7);
    // git_commit_summary caches into the commit, hence the cast; it never changes the commit.
    if (const char *summary = git_commit_summary(const_cast<git_commit *>(commit)))
        info.summary = summary;
    if (const char *message = git_commit_message(commit))
        info.message = message;
    while (!info.message.empty() && (info.message.back() == '\n' || info.message.back() == ' '))
        info.message.pop_back();
    if (const git_signature *author = git_commit_author(commit)) {
        info.author = author->name ? author->name : "";
        info.email = author->email ? author->email : "";
        info.time = author->when.time;
    }
    return info;
}

// HEAD's commit: null before the first commit, nothing (with error set) when unreadable.
std::optional<Commit> headCommit(git_repository *repo, std::string &error) {
    git_reference *rawRef = nullptr;
    const int rc = git_repository_head(&rawRef, repo);
    if (rc == GIT_EUNBORNBRANCH || rc == GIT_ENOTFOUND)
        return Commit();
    if (rc != 0) {
        error = "cannot read HEAD: " + lastError();
        return std::nullopt;
    }
    Reference head(rawRef);
    git_object *peeled = nullptr;
    if (git_reference_peel(&peeled, head.get(), GIT_OBJECT_COMMIT) != 0) {
        error = "HEAD does not point at a commit: " + lastError();
        return std::nullopt;
    }
    return Commit(reinterpret_cast<git_commit *>(peeled));
}

std::optional<Index> repositoryIndex(git_repository *repo, std::string &error) {
    git_index *raw = nullptr;
    if (git_repository_index(&raw, repo) != 0) {
        error = "cannot read the index: " + lastError();
        return std::nullopt;
    }
    return Index(raw);
}

Change stagedChange(unsigned flags) {
    if (flags & GIT_STATUS_INDEX_NEW)
        return Change::Added;
    if (flags & GIT_STATUS_INDEX_MODIFIED)
        return Change::Modified;
    if (flags & GIT_STATUS_INDEX_DELETED)
        return Change::Deleted;
    if (flags & GIT_STATUS_INDEX_RENAMED)
        return Change::Renamed;
    if (flags & GIT_STATUS_INDEX_TYPECHANGE)
        return Change::TypeChange;
    return Change::None;
}

Change unstagedChange(unsigned flags) {
    if (flags & GIT_STATUS_CONFLICTED)
        return Change::Conflicted;
    if (flags & GIT_STATUS_WT_NEW)
        return Change::Untracked;
    if (flags & GIT_STATUS_WT_MODIFIED)
        return Change::Modified;
    if (flags & GIT_STATUS_WT_DELETED)
        return Change::Deleted;
    if (flags & GIT_STATUS_WT_RENAMED)
        return Change::Renamed;
    if (flags & GIT_STATUS_WT_TYPECHANGE)
        return Change::TypeChange;
    return Change::None;
}

// The working tree's changes; untracked files only when asked (switching ignores them).
std::optional<std::vector<StatusEntry>> readStatus(git_repository *repo, bool untracked,
                                                   std::string &error) {
    git_status_options options = GIT_STATUS_OPTIONS_INIT;
    options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
    options.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES | GIT_STATUS_OPT_RENAMES_HEAD_TO_INDEX;
    if (untracked)
        options.flags |= GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
    git_status_list *raw = nullptr;
    if (git_status_list_new(&raw, repo, &options) != 0) {
        error = "cannot read the working tree's status: " + lastError();
        return std::nullopt;
    }
    StatusList list(raw);
    std::vector<StatusEntry> entries;
    const std::size_t count = git_status_list_entrycount(list.get());
    for (std::size_t i = 0; i < count; ++i) {
        const git_status_entry *entry = git_status_byindex(list.get(), i);
        const git_diff_delta *delta =
            entry->index_to_workdir ? entry->index_to_workdir : entry->head_to_index;
        if (!delta)
            continue;
        StatusEntry out;
        out.path = delta->new_file.path ? delta->new_file.path : "";
        if (out.path.empty() || isNimbusState(out.path))
            continue;
        out.staged = stagedChange(entry->status);
        out.unstaged = unstagedChange(entry->status);
        if (out.staged == Change::None && out.unstaged == Change::None)
            continue;
        const git_diff_delta *staged = entry->head_to_index;
        if (staged && staged->old_file.path && out.staged == Change::Renamed)
            out.oldPath = staged->old_file.path;
        entries.push_back(std::move(out));
    }
    return entries;
}

std::optional<FileDiff> readPatch(git_diff *diff, const std::string &path, std::string &error) {
    FileDiff file;
    file.path = path;
    const std::size_t deltas = git_diff_num_deltas(diff);
    for (std::size_t d = 0; d < deltas; ++d) {
        git_patch *raw = nullptr;
        if (git_patch_from_diff(&raw, diff, d) != 0) {
            error = "cannot compute the diff of " + path + ": " + lastError();
            return std::nullopt;
        }
        Patch patch(raw);
        const git_diff_delta *delta = git_patch_get_delta(patch.get());
        if (delta->flags & GIT_DIFF_FLAG_BINARY) {
            file.binary = true;
            continue;
        }
        const std::size_t hunks = git_patch_num_hunks(patch.get());
        for (std::size_t h = 0; h < hunks; ++h) {
            const git_diff_hunk *hunk = nullptr;
            std::size_t lines = 0;
            if (git_patch_get_hunk(&hunk, &lines, patch.get(), h) != 0)
                continue;
            DiffHunk out;
            out.header.assign(hunk->header, hunk->header_len);
            while (!out.header.empty() && (out.header.back() == '\n' || out.header.back() == '\r'))
                out.header.pop_back();
            for (std::size_t l = 0; l < lines; ++l) {
                const git_diff_line *line = nullptr;
                if (git_patch_get_line_in_hunk(&line, patch.get(), h, l) != 0)
                    continue;
                // The "\ No newline at end of file" markers are not lines of the file.
                if (line->origin != GIT_DIFF_LINE_CONTEXT &&
                    line->origin != GIT_DIFF_LINE_ADDITION &&
                    line->origin != GIT_DIFF_LINE_DELETION)
                    continue;
                DiffLine diffLine;
                diffLine.origin = line->origin;
                diffLine.oldLine = line->old_lineno;
                diffLine.newLine = line->new_lineno;
                diffLine.text.assign(line->content, line->content_len);
                if (!diffLine.text.empty() && diffLine.text.back() == '\n')
                    diffLine.text.pop_back();
                if (!diffLine.text.empty() && diffLine.text.back() == '\r')
                    diffLine.text.pop_back();
                out.lines.push_back(std::move(diffLine));
            }
            file.hunks.push_back(std::move(out));
        }
    }
    return file;
}

std::string trimmed(const std::string &text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos)
        return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

// Which of user.name and user.email git config lacks, as the command that sets it.
std::string missingIdentity(git_repository *repo) {
    git_config *raw = nullptr;
    bool hasName = false;
    bool hasEmail = false;
    if (git_repository_config_snapshot(&raw, repo) == 0) {
        Config config(raw);
        const char *value = nullptr;
        hasName = git_config_get_string(&value, config.get(), "user.name") == 0 && value && *value;
        value = nullptr;
        hasEmail =
            git_config_get_string(&value, config.get(), "user.email") == 0 && value && *value;
    }
    const std::string name = "git config --global user.name 'Your Name'";
    const std::string email = "git config --global user.email 'you@example.com'";
    if (!hasName && !hasEmail)
        return "set your name and email for commits: " + name + " and " + email;
    if (!hasName)
        return "set your name for commits: " + name;
    if (!hasEmail)
        return "set your email for commits: " + email;
    return "cannot sign the commit: " + lastError();
}

std::string defaultBranchName() {
    git_config *raw = nullptr;
    if (git_config_open_default(&raw) != 0)
        return "main";
    Config config(raw);
    Buffer name;
    if (git_config_get_string_buf(&name.buf, config.get(), "init.defaultBranch") == 0 &&
        !name.str().empty())
        return name.str();
    return "main";
}

} // namespace

std::optional<TreeState> describeTree(const std::string &directory, std::string &error) {
    Library library;
    git_repository *raw = nullptr;
    if (git_repository_open_ext(&raw, directory.c_str(), 0, nullptr) != 0) {
        error = directory + " is not in a git repository";
        return std::nullopt;
    }
    std::unique_ptr<git_repository, decltype(&git_repository_free)> repo(raw, git_repository_free);
    git_oid head{};
    if (git_reference_name_to_id(&head, repo.get(), "HEAD") != 0) {
        error = "the repository has no commit yet";
        return std::nullopt;
    }
    TreeState state;
    char hex[GIT_OID_HEXSZ + 1] = {};
    git_oid_tostr(hex, sizeof hex, &head);
    state.commit = hex;
    state.shortCommit = state.commit.substr(0, 12);
    git_reference *ref = nullptr;
    if (git_repository_head(&ref, repo.get()) == 0) {
        if (git_reference_is_branch(ref))
            state.branch = git_reference_shorthand(ref);
        git_reference_free(ref);
    }
    git_status_options options = GIT_STATUS_OPTIONS_INIT;
    options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
    options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
    git_status_list *status = nullptr;
    if (git_status_list_new(&status, repo.get(), &options) != 0) {
        error = "cannot read the working tree's status: " + lastError();
        return std::nullopt;
    }
    // Nimbus's own state (.nimbus/: the simulator's store, packages) is not a change to
    // the code, even when no .gitignore leaves it out.
    const std::size_t count = git_status_list_entrycount(status);
    for (std::size_t i = 0; i < count && !state.dirty; ++i) {
        const git_status_entry *entry = git_status_byindex(status, i);
        const git_diff_delta *delta =
            entry->index_to_workdir ? entry->index_to_workdir : entry->head_to_index;
        const char *path = delta && delta->new_file.path ? delta->new_file.path : "";
        const std::string p(path);
        if (p.rfind(".nimbus/", 0) == 0 || p.find("/.nimbus/") != std::string::npos)
            continue;
        state.dirty = true;
    }
    git_status_list_free(status);
    return state;
}

struct Repository::Handle {
    Library library; // declared first: outlives the repository below
    git_repository *repo = nullptr;
    Handle() = default;
    Handle(const Handle &) = delete;
    Handle &operator=(const Handle &) = delete;
    ~Handle() { git_repository_free(repo); }
};

Repository::Repository(std::unique_ptr<Handle> handle)
    : m_handle(std::move(handle)) {}
Repository::Repository(Repository &&other) noexcept = default;
Repository &Repository::operator=(Repository &&other) noexcept = default;
Repository::~Repository() = default;

std::optional<Repository> Repository::open(const std::string &directory, std::string &error) {
    auto handle = std::make_unique<Handle>();
    if (git_repository_open_ext(&handle->repo, directory.c_str(), 0, nullptr) != 0) {
        error = directory + " is not in a git repository";
        return std::nullopt;
    }
    if (git_repository_is_bare(handle->repo)) {
        error = directory + " is a bare git repository, with no working tree";
        return std::nullopt;
    }
    return Repository(std::move(handle));
}

std::optional<Repository> Repository::init(const std::string &directory, std::string &error) {
    auto handle = std::make_unique<Handle>();
    // libgit2 would fall back to "master"; git's newer default and ours is "main".
    const std::string branch = defaultBranchName();
    git_repository_init_options options = GIT_REPOSITORY_INIT_OPTIONS_INIT;
    options.flags = GIT_REPOSITORY_INIT_MKPATH;
    options.initial_head = branch.c_str();
    if (git_repository_init_ext(&handle->repo, directory.c_str(), &options) != 0) {
        error = "cannot create a git repository in " + directory + ": " + lastError();
        return std::nullopt;
    }
    return Repository(std::move(handle));
}

std::string Repository::workdir() const {
    const char *dir = git_repository_workdir(m_handle->repo);
    return dir ? dir : "";
}

BranchInfo Repository::branch(std::string &error) const {
    git_repository *repo = m_handle->repo;
    BranchInfo info;
    if (git_repository_head_unborn(repo) == 1) {
        info.unborn = true;
        git_reference *raw = nullptr;
        if (git_reference_lookup(&raw, repo, "HEAD") == 0) {
            Reference head(raw);
            const char *target = git_reference_symbolic_target(head.get());
            const std::string prefix = "refs/heads/";
            info.name = target ? target : "";
            if (info.name.rfind(prefix, 0) == 0)
                info.name = info.name.substr(prefix.size());
        }
        return info;
    }
    git_reference *raw = nullptr;
    if (git_repository_head(&raw, repo) != 0) {
        error = "cannot read HEAD: " + lastError();
        return info;
    }
    Reference head(raw);
    if (git_repository_head_detached(repo) == 1) {
        info.detached = true;
        if (auto commit = headCommit(repo, error); commit && *commit)
            info.name = describeCommit(commit->get()).shortId;
        return info;
    }
    info.name = git_reference_shorthand(head.get());
    git_reference *rawUpstream = nullptr;
    if (git_branch_upstream(&rawUpstream, head.get()) != 0)
        return info; // none configured, or its remote branch is gone: not an error
    Reference upstream(rawUpstream);
    info.upstream = git_reference_shorthand(upstream.get());
    const git_oid *local = git_reference_target(head.get());
    const git_oid *remote = git_reference_target(upstream.get());
    std::size_t ahead = 0;
    std::size_t behind = 0;
    if (local && remote && git_graph_ahead_behind(&ahead, &behind, repo, local, remote) == 0) {
        info.ahead = static_cast<int>(ahead);
        info.behind = static_cast<int>(behind);
    }
    return info;
}

std::vector<StatusEntry> Repository::status(std::string &error) const {
    return readStatus(m_handle->repo, true, error).value_or(std::vector<StatusEntry>{});
}

std::optional<FileDiff> Repository::diff(const std::string &path, bool staged,
                                         std::string &error) const {
    git_repository *repo = m_handle->repo;
    auto index = repositoryIndex(repo, error);
    if (!index)
        return std::nullopt;
    char *spec[] = {const_cast<char *>(path.c_str())};
    git_diff_options options = GIT_DIFF_OPTIONS_INIT;
    options.pathspec = {spec, 1};
    options.flags = GIT_DIFF_DISABLE_PATHSPEC_MATCH;
    git_diff *raw = nullptr;
    int rc = 0;
    if (staged) {
        auto head = headCommit(repo, error);
        if (!head)
            return std::nullopt;
        Tree tree;
        if (*head) {
            git_tree *rawTree = nullptr;
            if (git_commit_tree(&rawTree, head->get()) != 0) {
                error = "cannot read HEAD's files: " + lastError();
                return std::nullopt;
            }
            tree.reset(rawTree);
        }
        rc = git_diff_tree_to_index(&raw, repo, tree.get(), index->get(), &options);
    } else {
        options.flags |= GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_SHOW_UNTRACKED_CONTENT |
                         GIT_DIFF_RECURSE_UNTRACKED_DIRS;
        rc = git_diff_index_to_workdir(&raw, repo, index->get(), &options);
    }
    if (rc != 0) {
        error = "cannot compute the diff of " + path + ": " + lastError();
        return std::nullopt;
    }
    Diff diff(raw);
    return readPatch(diff.get(), path, error);
}

bool Repository::stage(const std::vector<std::string> &paths, std::string &error) {
    git_repository *repo = m_handle->repo;
    auto index = repositoryIndex(repo, error);
    if (!index)
        return false;
    const std::string root = workdir();
    for (const std::string &path : paths) {
        std::error_code ec;
        const auto kind = std::filesystem::symlink_status(root + path, ec).type();
        int rc = 0;
        if (kind == std::filesystem::file_type::not_found) {
            rc = git_index_remove_bypath(index->get(), path.c_str());
        } else if (kind == std::filesystem::file_type::directory) {
            char *spec[] = {const_cast<char *>(path.c_str())};
            const git_strarray pathspec = {spec, 1};
            rc = git_index_add_all(index->get(), &pathspec, GIT_INDEX_ADD_DISABLE_PATHSPEC_MATCH,
                                   nullptr, nullptr);
        } else {
            rc = git_index_add_bypath(index->get(), path.c_str());
        }
        if (rc != 0) {
            error = "cannot stage " + path + ": " + lastError();
            return false;
        }
    }
    if (git_index_write(index->get()) != 0) {
        error = "cannot save the index: " + lastError();
        return false;
    }
    return true;
}

bool Repository::unstage(const std::vector<std::string> &paths, std::string &error) {
    git_repository *repo = m_handle->repo;
    auto head = headCommit(repo, error);
    if (!head)
        return false;
    std::vector<char *> specs;
    for (const std::string &path : paths)
        specs.push_back(const_cast<char *>(path.c_str()));
    const git_strarray pathspec = {specs.data(), specs.size()};
    // Before the first commit there is nothing to go back to: a null target removes the
    // entries from the index.
    const auto *target = reinterpret_cast<const git_object *>(head->get());
    if (git_reset_default(repo, target, &pathspec) != 0) {
        error = "cannot unstage: " + lastError();
        return false;
    }
    return true;
}

std::optional<CommitInfo> Repository::commit(const std::string &message, std::string &error) {
    git_repository *repo = m_handle->repo;
    if (trimmed(message).empty()) {
        error = "write a commit message first";
        return std::nullopt;
    }
    if (git_repository_state(repo) != GIT_REPOSITORY_STATE_NONE) {
        error = "a merge, rebase or cherry-pick is in progress: finish it with git first";
        return std::nullopt;
    }
    auto index = repositoryIndex(repo, error);
    auto head = headCommit(repo, error);
    if (!index || !head)
        return std::nullopt;
    if (git_index_has_conflicts(index->get())) {
        error = "resolve the conflicts and stage the files before committing";
        return std::nullopt;
    }
    git_oid treeId{};
    if (git_index_write_tree(&treeId, index->get()) != 0) {
        error = "cannot write the index as a tree: " + lastError();
        return std::nullopt;
    }
    const bool nothingStaged = *head ? git_oid_equal(&treeId, git_commit_tree_id(head->get()))
                                     : git_index_entrycount(index->get()) == 0;
    if (nothingStaged) {
        error = "nothing to commit: stage your changes first";
        return std::nullopt;
    }
    git_signature *rawSignature = nullptr;
    if (git_signature_default(&rawSignature, repo) != 0) {
        error = missingIdentity(repo);
        return std::nullopt;
    }
    Signature signature(rawSignature);
    git_tree *rawTree = nullptr;
    if (git_tree_lookup(&rawTree, repo, &treeId) != 0) {
        error = "cannot read the staged files: " + lastError();
        return std::nullopt;
    }
    Tree tree(rawTree);
    Buffer cleaned; // trailing whitespace stripped, one final newline, as git commit does
    if (git_message_prettify(&cleaned.buf, message.c_str(), 0, '#') != 0) {
        error = "cannot read the commit message: " + lastError();
        return std::nullopt;
    }
    const git_commit *parents[] = {head->get()};
    git_oid id{};
    if (git_commit_create(&id, repo, "HEAD", signature.get(), signature.get(), nullptr,
                          cleaned.str().c_str(), tree.get(), *head ? 1 : 0, parents) != 0) {
        error = "cannot commit: " + lastError();
        return std::nullopt;
    }
    return findCommit(hex(&id), error);
}

std::vector<CommitInfo> Repository::log(int maxCount, std::string &error) const {
    git_repository *repo = m_handle->repo;
    std::vector<CommitInfo> commits;
    if (git_repository_head_unborn(repo) == 1)
        return commits;
    git_revwalk *raw = nullptr;
    if (git_revwalk_new(&raw, repo) != 0) {
        error = "cannot read the history: " + lastError();
        return commits;
    }
    RevWalk walk(raw);
    git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
    if (git_revwalk_push_head(walk.get()) != 0) {
        error = "cannot read the history: " + lastError();
        return commits;
    }
    git_oid id{};
    while (static_cast<int>(commits.size()) < maxCount && git_revwalk_next(&id, walk.get()) == 0) {
        git_commit *rawCommit = nullptr;
        if (git_commit_lookup(&rawCommit, repo, &id) != 0) {
            error = "cannot read commit " + hex(&id) + ": " + lastError();
            break;
        }
        Commit commit(rawCommit);
        commits.push_back(describeCommit(commit.get()));
    }
    return commits;
}

std::vector<std::string> Repository::branches(std::string &error) const {
    std::vector<std::string> names;
    git_branch_iterator *raw = nullptr;
    if (git_branch_iterator_new(&raw, m_handle->repo, GIT_BRANCH_LOCAL) != 0) {
        error = "cannot list the branches: " + lastError();
        return names;
    }
    BranchIterator it(raw);
    git_reference *rawRef = nullptr;
    git_branch_t type{};
    while (git_branch_next(&rawRef, &type, it.get()) == 0) {
        Reference ref(rawRef);
        const char *name = nullptr;
        if (git_branch_name(&name, ref.get()) == 0 && name)
            names.emplace_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

bool Repository::switchBranch(const std::string &name, std::string &error) {
    git_repository *repo = m_handle->repo;
    git_reference *raw = nullptr;
    if (git_branch_lookup(&raw, repo, name.c_str(), GIT_BRANCH_LOCAL) != 0) {
        error = "there is no branch named '" + name + "'";
        return false;
    }
    Reference target(raw);
    if (git_branch_is_head(target.get()) == 1)
        return true;
    auto changes = readStatus(repo, false, error);
    if (!changes)
        return false;
    if (!changes->empty()) {
        const std::size_t n = changes->size();
        error = "commit or discard your changes before switching to '" + name + "' (" +
                std::to_string(n) + (n == 1 ? " file has" : " files have") + " changes)";
        return false;
    }
    git_object *rawTree = nullptr;
    if (git_reference_peel(&rawTree, target.get(), GIT_OBJECT_TREE) != 0) {
        error = "cannot read branch '" + name + "': " + lastError();
        return false;
    }
    Object tree(rawTree);
    git_checkout_options options = GIT_CHECKOUT_OPTIONS_INIT;
    options.checkout_strategy = GIT_CHECKOUT_SAFE;
    if (git_checkout_tree(repo, tree.get(), &options) != 0) {
        error = "cannot switch to '" + name +
                "': files in the working tree would be overwritten (" + lastError() + ")";
        return false;
    }
    if (git_repository_set_head(repo, git_reference_name(target.get())) != 0) {
        error = "cannot switch to '" + name + "': " + lastError();
        return false;
    }
    return true;
}

std::optional<CommitInfo> Repository::findCommit(const std::string &revision,
                                                 std::string &error) const {
    if (trimmed(revision).empty()) {
        error = "no commit given";
        return std::nullopt;
    }
    git_object *raw = nullptr;
    if (git_revparse_single(&raw, m_handle->repo, revision.c_str()) != 0) {
        error = "no commit matches '" + revision + "'";
        return std::nullopt;
    }
    Object object(raw);
    git_object *peeled = nullptr;
    if (git_object_peel(&peeled, object.get(), GIT_OBJECT_COMMIT) != 0) {
        error = "'" + revision + "' is not a commit";
        return std::nullopt;
    }
    Commit commit(reinterpret_cast<git_commit *>(peeled));
    return describeCommit(commit.get());
}

} // namespace nimbus::git
