#include "nimbus/git/gitrepository.h"

#include <git2.h>
#include <memory>

namespace nimbus::git {

namespace {

// libgit2 wants init/shutdown around its use; one per call keeps callers free of it.
struct Library {
    Library() { git_libgit2_init(); }
    ~Library() { git_libgit2_shutdown(); }
};

std::string lastError() {
    const git_error *e = git_error_last();
    return e && e->message ? e->message : "unknown libgit2 error";
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

} // namespace nimbus::git
