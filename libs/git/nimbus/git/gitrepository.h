#pragma once

#include <optional>
#include <string>

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

} // namespace nimbus::git
