#include "workspacefolders.h"

#include "../document/textdocument.h"

#include <algorithm>
#include <set>

namespace fs = std::filesystem;

namespace nimbus::lsp {

fs::path WorkspaceFolders::resolved(const std::string &pathOrUri) {
    const std::string path = pathOrUri.rfind("file://", 0) == 0 ? uriToPath(pathOrUri) : pathOrUri;
    if (path.empty())
        return {};
    std::error_code ec;
    fs::path out = fs::weakly_canonical(fs::absolute(path, ec), ec);
    if (ec)
        out = fs::absolute(path, ec).lexically_normal();
    // "/a/b/" and "/a/b" are the same folder.
    if (!out.has_filename() && out.has_parent_path() && out != out.root_path())
        out = out.parent_path();
    return out;
}

void WorkspaceFolders::initialize(const nlohmann::json &params) {
    m_folders.clear();
    if (!params.is_object())
        return;
    const auto folders = params.find("workspaceFolders");
    if (folders != params.end() && folders->is_array()) {
        for (const auto &folder : *folders)
            if (folder.is_object() && folder.contains("uri") && folder["uri"].is_string())
                if (auto path = resolved(folder["uri"].get<std::string>()); !path.empty())
                    m_folders.push_back(std::move(path));
        return;
    }
    for (const char *key : {"rootUri", "rootPath"}) {
        const auto root = params.find(key);
        if (root != params.end() && root->is_string()) {
            if (auto path = resolved(root->get<std::string>()); !path.empty()) {
                m_folders.push_back(std::move(path));
                return;
            }
        }
    }
}

void WorkspaceFolders::change(const nlohmann::json &params) {
    const nlohmann::json *event =
        params.is_object() && params.contains("event") ? &params["event"] : nullptr;
    if (!event || !event->is_object())
        return;
    auto each = [&](const char *key, auto apply) {
        const auto list = event->find(key);
        if (list == event->end() || !list->is_array())
            return;
        for (const auto &folder : *list)
            if (folder.is_object() && folder.contains("uri") && folder["uri"].is_string())
                if (auto path = resolved(folder["uri"].get<std::string>()); !path.empty())
                    apply(std::move(path));
    };
    each("removed", [&](fs::path path) {
        m_folders.erase(std::remove(m_folders.begin(), m_folders.end(), path), m_folders.end());
    });
    each("added", [&](fs::path path) {
        if (std::find(m_folders.begin(), m_folders.end(), path) == m_folders.end())
            m_folders.push_back(std::move(path));
    });
}

void WorkspaceFolders::documentOpened(const std::string &path) {
    if (auto file = resolved(path); !file.empty())
        m_documentFolders.push_back(file.parent_path());
}

void WorkspaceFolders::documentClosed(const std::string &path) {
    const auto file = resolved(path);
    if (file.empty())
        return;
    const auto it =
        std::find(m_documentFolders.begin(), m_documentFolders.end(), file.parent_path());
    if (it != m_documentFolders.end())
        m_documentFolders.erase(it);
}

bool WorkspaceFolders::contains(const std::string &path) const {
    const auto target = resolved(path);
    if (target.empty())
        return false;
    auto within = [&](const fs::path &folder) {
        // Component by component: /work/app is not inside /work/a.
        auto f = folder.begin();
        auto t = target.begin();
        for (; f != folder.end(); ++f, ++t)
            if (t == target.end() || *f != *t)
                return false;
        return true;
    };
    return std::any_of(m_folders.begin(), m_folders.end(), within) ||
           std::any_of(m_documentFolders.begin(), m_documentFolders.end(), within);
}

std::string WorkspaceFolders::describe() const {
    std::string out;
    std::set<fs::path> seen;
    for (const auto *list : {&m_folders, &m_documentFolders})
        for (const auto &folder : *list)
            if (seen.insert(folder).second)
                out += (out.empty() ? "" : ", ") + folder.string();
    return out.empty() ? "none" : out;
}

} // namespace nimbus::lsp
