#pragma once

#include "../document/textdocument.h"
#include "../workspace/manifestworkspace.h"
#include "../workspace/workspacefolders.h"
#include "diagnosticsworker.h"
#include "nimbus/jsonrpc/dispatcher.h"

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

namespace nimbus::lsp {

// Translates LSP 3.17 to the manifest engine: lifecycle (uninitialized -> initialized ->
// shutdown), open documents with incremental sync, and one handler per feature. It does
// no I/O: bodies come in through handle(), messages go out through the sender, so tests
// drive it in-process and main() wires it to stdio.
class LspServer {
public:
    enum class State { Uninitialized, Initialized, ShutDown };

    // `send` must be thread-safe: diagnostics and long commands answer from other threads.
    explicit LspServer(std::function<void(const nlohmann::json &)> send);
    ~LspServer();

    void handle(const std::vector<std::string> &bodies);
    // A frame that could not be read (bad header): answered as a parse error.
    void frameError(const std::string &error);

    // Publishes diagnostics for documents changed since the last call (the transport
    // calls this when input has been quiet for a moment: the debounce).
    // Without a worker the diagnostics are computed and sent here and now (as tests want);
    // with one, snapshots are handed to it and requests are answered meanwhile.
    void flushDiagnostics();
    bool hasPendingDiagnostics() const { return !m_dirty.empty(); }
    void setDiagnosticsWorker(DiagnosticsWorker *worker) { m_worker = worker; }
    // Whether a check reuses what the document's last check found (the default), or starts
    // from scratch.
    void setIncrementalChecks(bool on) { m_incremental = on; }
    // The publishDiagnostics notification for a document. Safe to call from any thread.
    nlohmann::json diagnosticsNotification(const TextDocument &doc) const;
    // Frees what the checks behind the notifications built (the manifests' trees and models),
    // which they keep so that freeing it does not delay the notification.
    void releaseChecked() const;
    // The quick fixes the diagnostics of params.context carry (textDocument/codeAction).
    nlohmann::json codeActions(const nlohmann::json &params) const;

    State state() const { return m_state; }
    bool exitRequested() const { return m_exitRequested; }
    int exitCode() const { return m_state == State::ShutDown ? 0 : 1; }
    // Commands still running on their own threads (nimbus.invoke), cancelled or not.
    int runningJobs() const { return m_runningJobs.load(); }

private:
    void registerHandlers();
    nlohmann::json toLsp(const TextDocument &doc, const SourceRange &range) const;
    // A diagnostic's fix as it travels in the diagnostic's data.
    nlohmann::json fixJson(const TextDocument &doc, const std::string &path,
                           const manifest::Fix &fix) const;
    SourcePosition fromLsp(const TextDocument &doc, const nlohmann::json &position) const;
    // The open document, or the file's text on disk (re-read when it changes).
    TextDocument *document(const nlohmann::json &params);
    void executeCommand(const nlohmann::json &params, jsonrpc::Dispatcher::ReplySink reply);

    jsonrpc::Dispatcher m_dispatcher;
    ManifestWorkspace m_workspace;
    WorkspaceFolders m_folders; // where commands may run a project's code
    std::map<std::string, std::unique_ptr<TextDocument>> m_documents; // open ones, by URI
    struct DiskDocument {
        std::unique_ptr<TextDocument> document;
        std::filesystem::file_time_type modified;
        std::uintmax_t size = 0;
    };
    std::map<std::string, DiskDocument> m_disk; // files asked about but not open, by URI
    std::vector<std::thread> m_jobs;
    std::atomic<int> m_runningJobs{0};
    std::set<std::string> m_dirty;
    // What each open manifest's checks keep from one to the next (its blocks and their
    // findings), so that a check after an edit parses and validates only what the edit
    // changed. Used by whichever thread computes diagnostics; one at a time per document.
    struct DocumentLoads {
        std::mutex mutex;
        manifest::IncrementalLoad state;
        std::optional<manifest::Manifest> checked; // the last check's, until releaseChecked
    };
    mutable std::mutex m_loadsMutex;
    mutable std::map<std::string, std::shared_ptr<DocumentLoads>> m_loads;
    DiagnosticsWorker *m_worker = nullptr;
    bool m_incremental = true;
    State m_state = State::Uninitialized;
    bool m_exitRequested = false;
    bool m_clientWatchesFiles = false;
};

} // namespace nimbus::lsp
