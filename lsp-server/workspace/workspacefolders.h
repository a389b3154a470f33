#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nimbus::lsp {

// The folders the editor has opened: its workspace folders (or its root, from an editor
// that has only one), and the folders of the documents it opened. A command that runs or
// installs a project's code (nimbus.invoke, nimbus.dependencies) takes only a project inside
// one of them. No I/O but resolving paths.
class WorkspaceFolders {
public:
    // initialize's params: workspaceFolders, else rootUri, else rootPath.
    void initialize(const nlohmann::json &params);
    // workspace/didChangeWorkspaceFolders' params: event.added and event.removed.
    void change(const nlohmann::json &params);
    // The folder of a document the editor opened (textDocument/didOpen), until it closes it.
    void documentOpened(const std::string &path);
    void documentClosed(const std::string &path);

    // Whether `path` is one of the folders or lies inside one (after resolving links and
    // "..").
    bool contains(const std::string &path) const;
    // The folders, for an error message: "/a, /b", or "none".
    std::string describe() const;

private:
    static std::filesystem::path resolved(const std::string &pathOrUri);

    std::vector<std::filesystem::path> m_folders;
    std::vector<std::filesystem::path> m_documentFolders; // once per open document
};

} // namespace nimbus::lsp
