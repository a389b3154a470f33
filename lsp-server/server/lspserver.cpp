#include "lspserver.h"

#include "../workspace/documentlinks.h"
#include "../workspace/formatting.h"
#include "../workspace/rename.h"
#include "../workspace/semantictokens.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace nimbus::lsp {

using jsonrpc::Error;
using jsonrpc::Reply;
using nlohmann::json;

namespace {

// serverless.yml (AWS, or SCF's component and plugin formats), or scfcli's template.yaml;
// not AWS SAM's template.yaml, which is not a manifest Nimbus reads.
bool isManifest(const std::string &uri, std::string_view text) {
    const std::string name = fs::path(uriToPath(uri)).filename().string();
    if (!manifest::ManifestLoader::isManifestFileName(name))
        return false;
    return name.rfind("template.", 0) != 0 ||
           text.find("TencentCloud::Serverless::") != std::string_view::npos;
}

int lspSeverity(manifest::Severity severity) {
    switch (severity) {
    case manifest::Severity::Error:
        return 1;
    case manifest::Severity::Warning:
        return 2;
    case manifest::Severity::Information:
        return 3;
    }
    return 1;
}

} // namespace

LspServer::LspServer(std::function<void(const json &)> send)
    : m_dispatcher(std::move(send)) {
    registerHandlers();
    m_dispatcher.setGate([this](const std::string &method, bool isRequest) -> std::optional<Error> {
        if (method == "exit")
            return std::nullopt;
        if (m_state == State::Uninitialized && method != "initialize")
            return Error{jsonrpc::ServerNotInitialized,
                         "the server is not initialized; send 'initialize' first"};
        if (m_state == State::Initialized && method == "initialize")
            return Error{jsonrpc::InvalidRequest, "the server is already initialized"};
        if (m_state == State::ShutDown && isRequest)
            return Error{jsonrpc::InvalidRequest,
                         "the server is shut down; only 'exit' is accepted"};
        return std::nullopt;
    });
}

LspServer::~LspServer() {
    for (auto &job : m_jobs)
        job.join();
}

void LspServer::handle(const std::vector<std::string> &bodies) {
    m_dispatcher.handle(bodies);
}

void LspServer::frameError(const std::string &error) {
    m_dispatcher.sendError(json(), {jsonrpc::ParseError, "unreadable message frame: " + error});
}

json LspServer::toLsp(const TextDocument &doc, const SourceRange &range) const {
    auto position = [&](SourcePosition p) {
        return json{{"line", p.line}, {"character", doc.utf16Column(p.line, p.column)}};
    };
    return {{"start", position(range.start)}, {"end", position(range.end)}};
}

SourcePosition LspServer::fromLsp(const TextDocument &doc, const json &position) const {
    const int line = position.at("line").get<int>();
    return {line, doc.byteColumn(line, position.at("character").get<int>())};
}

TextDocument *LspServer::document(const json &params) {
    const std::string uri = params.at("textDocument").at("uri").get<std::string>();
    auto it = m_documents.find(uri);
    if (it != m_documents.end())
        return it->second.get();
    // Not open: read it from disk, as clients may ask about files they have not opened,
    // and again whenever it changes there.
    const std::string path = uriToPath(uri);
    std::error_code ec;
    const auto modified = fs::last_write_time(path, ec);
    const auto size = ec ? 0 : fs::file_size(path, ec);
    if (ec) {
        m_disk.erase(uri);
        return nullptr;
    }
    auto cached = m_disk.find(uri);
    if (cached != m_disk.end() && cached->second.modified == modified &&
        cached->second.size == size)
        return cached->second.document.get();
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return nullptr;
    std::ostringstream text;
    text << in.rdbuf();
    auto &entry = m_disk[uri];
    entry.document = std::make_unique<TextDocument>(uri, text.str(), 0);
    entry.modified = modified;
    entry.size = size;
    return entry.document.get();
}

json LspServer::diagnosticsNotification(const TextDocument &doc) const {
    json diagnostics = json::array();
    if (isManifest(doc.uri(), doc.text())) {
        const std::string path = uriToPath(doc.uri());
        // Open documents have their loads (from didOpen to didClose); a check that outlives
        // its document's close checks from scratch and keeps nothing.
        std::shared_ptr<DocumentLoads> loads;
        {
            std::lock_guard lock(m_loadsMutex);
            if (const auto it = m_loads.find(doc.uri()); it != m_loads.end())
                loads = it->second;
        }
        manifest::LoadResult checked;
        if (loads) {
            std::lock_guard lock(loads->mutex);
            checked = m_workspace.check(doc.text(), path, m_incremental ? &loads->state : nullptr);
            loads->checked = std::move(checked.manifest);
        } else {
            checked = m_workspace.check(doc.text(), path);
        }
        for (const auto &d : checked.diagnostics) {
            SourceRange range = d.hasPosition ? d.range : SourceRange{};
            json diagnostic{{"range", toLsp(doc, range)},
                            {"severity", lspSeverity(d.severity)},
                            {"code", d.code},
                            {"source", "nimbus"},
                            {"message", d.message}};
            // The quick fixes travel with the diagnostic: the client hands them back in
            // textDocument/codeAction.
            json fixes = json::array();
            for (const auto &fix : d.fixes)
                fixes.push_back(fixJson(doc, path, fix));
            if (!fixes.empty())
                diagnostic["data"] = {{"fixes", fixes}};
            diagnostics.push_back(std::move(diagnostic));
        }
    }
    return {
        {"jsonrpc", "2.0"},
        {"method", "textDocument/publishDiagnostics"},
        {"params", {{"uri", doc.uri()}, {"version", doc.version()}, {"diagnostics", diagnostics}}}};
}

json LspServer::fixJson(const TextDocument &doc, const std::string &path,
                        const manifest::Fix &fix) const {
    json range = toLsp(doc, fix.range);
    if (fix.file != path && !fix.createFile) {
        // Another file (a handler's module): its own columns.
        std::ifstream in(fix.file, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        range = toLsp(TextDocument(pathToUri(fix.file), text.str(), 0), fix.range);
    } else if (fix.createFile) {
        range = {{"start", {{"line", 0}, {"character", 0}}}, {"end", {{"line", 0}, {"character", 0}}}};
    }
    return {{"title", fix.title},
            {"uri", pathToUri(fix.file)},
            {"range", range},
            {"newText", fix.newText},
            {"createFile", fix.createFile}};
}

json LspServer::codeActions(const json &params) const {
    json actions = json::array();
    const json &diagnostics = params.at("context").at("diagnostics");
    for (const auto &diagnostic : diagnostics) {
        if (!diagnostic.is_object() || !diagnostic.contains("data") ||
            !diagnostic["data"].is_object() || !diagnostic["data"].contains("fixes"))
            continue;
        const json &fixes = diagnostic["data"]["fixes"];
        for (const auto &fix : fixes) {
            if (!fix.is_object() || !fix.contains("uri") || !fix.contains("range"))
                continue;
            json changes = json::array();
            if (fix.value("createFile", false))
                changes.push_back({{"kind", "create"},
                                   {"uri", fix["uri"]},
                                   {"options", {{"ignoreIfExists", true}}}});
            changes.push_back({{"textDocument", {{"uri", fix["uri"]}, {"version", nullptr}}},
                               {"edits", json::array({{{"range", fix["range"]},
                                                       {"newText", fix.value("newText", "")}}})}});
            json action{{"title", fix.value("title", "Fix")},
                        {"kind", "quickfix"},
                        {"diagnostics", json::array({diagnostic})},
                        {"edit", {{"documentChanges", changes}}}};
            if (fixes.size() == 1)
                action["isPreferred"] = true;
            actions.push_back(std::move(action));
        }
    }
    return actions;
}

void LspServer::releaseChecked() const {
    std::vector<std::shared_ptr<DocumentLoads>> loads;
    {
        std::lock_guard lock(m_loadsMutex);
        for (const auto &[uri, document] : m_loads)
            loads.push_back(document);
    }
    for (const auto &document : loads) {
        std::optional<manifest::Manifest> checked;
        {
            std::lock_guard lock(document->mutex);
            checked.swap(document->checked);
        }
    }
}

void LspServer::flushDiagnostics() {
    auto dirty = std::move(m_dirty);
    m_dirty.clear();
    for (const auto &uri : dirty) {
        const auto it = m_documents.find(uri);
        if (it == m_documents.end())
            continue;
        if (m_worker) {
            m_worker->submit(*it->second);
        } else {
            const json notification = diagnosticsNotification(*it->second);
            m_dispatcher.notify("textDocument/publishDiagnostics", notification["params"]);
            releaseChecked();
        }
    }
}

void LspServer::registerHandlers() {
    auto &d = m_dispatcher;
    d.onRequest("initialize", [this](const json &params) {
        m_state = State::Initialized;
        const json *watch = &params;
        for (const char *step : {"capabilities", "workspace", "didChangeWatchedFiles"})
            watch =
                watch && watch->is_object() && watch->contains(step) ? &(*watch)[step] : nullptr;
        m_clientWatchesFiles =
            watch && watch->is_object() && watch->value("dynamicRegistration", false);
        m_folders.initialize(params);
        return Reply(
            json{{"capabilities",
                  {{"positionEncoding", "utf-16"},
                   {"textDocumentSync",
                    {{"openClose", true}, {"change", 2}, {"save", {{"includeText", false}}}}},
                   {"completionProvider",
                    {{"triggerCharacters", json::array({".", ":", " ", "{", "-"})},
                     {"resolveProvider", false}}},
                   {"hoverProvider", true},
                   {"definitionProvider", true},
                   {"referencesProvider", true},
                   {"documentSymbolProvider", true},
                   {"foldingRangeProvider", true},
                   {"workspace",
                    {{"workspaceFolders", {{"supported", true}, {"changeNotifications", true}}}}},
                   {"codeLensProvider", {{"resolveProvider", false}}},
                   {"codeActionProvider", {{"codeActionKinds", json::array({"quickfix"})}}},
                   {"renameProvider", {{"prepareProvider", true}}},
                   {"documentFormattingProvider", true},
                   {"documentRangeFormattingProvider", true},
                   {"documentLinkProvider", {{"resolveProvider", false}}},
                   {"semanticTokensProvider",
                    {{"legend",
                      {{"tokenTypes", json(std::vector<std::string>(std::begin(kSemanticTypes),
                                                                    std::end(kSemanticTypes)))},
                       {"tokenModifiers", json::array()}}},
                     {"full", true}}},
                   {"executeCommandProvider",
                    {{"commands", json::array({"nimbus.listFunctions", "nimbus.invoke",
                                               "nimbus.debug", "nimbus.dependencies"})}}},
                   {"workspace", {{"fileOperations", json::object()}}}}},
                 {"serverInfo", {{"name", "nimbus-lsp"}, {"version", NIMBUS_VERSION}}}});
    });
    // Handler modules and manifests edited outside the editor are reported by the client's
    // file watcher, when it has one we can ask for.
    d.onNotification("initialized", [this](const json &) {
        if (!m_clientWatchesFiles)
            return;
        json watchers = json::array();
        for (const char *glob : {"**/*.py", "**/*.js", "**/*.mjs", "**/*.cjs", "**/serverless.yml",
                                 "**/serverless.yaml", "**/template.yaml", "**/template.yml"})
            watchers.push_back({{"globPattern", glob}});
        m_dispatcher.request(
            "client/registerCapability",
            {{"registrations", json::array({{{"id", "nimbus-watched-files"},
                                             {"method", "workspace/didChangeWatchedFiles"},
                                             {"registerOptions", {{"watchers", watchers}}}}})}});
    });
    d.onRequest("shutdown", [this](const json &) {
        m_state = State::ShutDown;
        return Reply(json());
    });
    d.onNotification("exit", [this](const json &) { m_exitRequested = true; });

    d.onNotification("textDocument/didOpen", [this](const json &params) {
        const json &item = params.at("textDocument");
        const std::string uri = item.at("uri").get<std::string>();
        if (uri.rfind("file://", 0) == 0 && !m_documents.count(uri))
            m_folders.documentOpened(uriToPath(uri));
        m_documents[uri] = std::make_unique<TextDocument>(uri, item.at("text").get<std::string>(),
                                                          item.value("version", 0));
        if (isManifest(uri, m_documents[uri]->text())) {
            std::lock_guard lock(m_loadsMutex);
            m_loads.try_emplace(uri, std::make_shared<DocumentLoads>());
        }
        m_dirty.insert(uri);
    });
    d.onNotification("textDocument/didChange", [this](const json &params) {
        const std::string uri = params.at("textDocument").at("uri").get<std::string>();
        auto it = m_documents.find(uri);
        if (it == m_documents.end())
            return;
        const int version = params.at("textDocument").value("version", it->second->version() + 1);
        for (const auto &change : params.at("contentChanges")) {
            std::optional<Range> range;
            if (change.contains("range")) {
                // (at(): a missing member throws and the dispatcher drops the notification;
                // [] on a const object would be undefined behaviour.)
                const json &r = change.at("range");
                range = Range{
                    {r.at("start").at("line").get<int>(), r.at("start").at("character").get<int>()},
                    {r.at("end").at("line").get<int>(), r.at("end").at("character").get<int>()}};
            }
            if (!it->second->applyChange(range, change.at("text").get<std::string>(), version))
                return; // a change outside the document: keep what we have
        }
        m_dirty.insert(uri);
    });
    d.onNotification("textDocument/didSave", [this](const json &params) {
        m_dirty.insert(params.at("textDocument").at("uri").get<std::string>());
    });
    d.onNotification("textDocument/didClose", [this](const json &params) {
        const std::string uri = params.at("textDocument").at("uri").get<std::string>();
        if (m_documents.erase(uri) && uri.rfind("file://", 0) == 0)
            m_folders.documentClosed(uriToPath(uri));
        m_dirty.erase(uri);
        if (m_worker)
            m_worker->forget(uri);
        {
            std::lock_guard lock(m_loadsMutex);
            m_loads.erase(uri);
        }
        m_dispatcher.notify("textDocument/publishDiagnostics",
                            {{"uri", uri}, {"diagnostics", json::array()}});
    });
    d.onNotification("workspace/didChangeWorkspaceFolders",
                     [this](const json &params) { m_folders.change(params); });
    // Handler files changed on disk: every open manifest is checked again.
    d.onNotification("workspace/didChangeWatchedFiles", [this](const json &params) {
        if (params.contains("changes") && params["changes"].is_array()) {
            for (const auto &change : params["changes"])
                if (change.is_object() && change.contains("uri") && change["uri"].is_string())
                    m_disk.erase(change["uri"].get<std::string>());
        }
        for (const auto &[uri, doc] : m_documents) {
            if (isManifest(uri, doc->text()))
                m_dirty.insert(uri);
        }
    });

    d.onRequest("textDocument/completion", [this](const json &params) {
        TextDocument *doc = document(params);
        if (!doc || !isManifest(doc->uri(), doc->text()))
            return Reply(json::array());
        json items = json::array();
        for (const auto &item : m_workspace.complete(doc->text(), uriToPath(doc->uri()),
                                                     fromLsp(*doc, params.at("position")))) {
            json entry{
                {"label", item.label},
                {"kind", static_cast<int>(item.kind)},
                {"textEdit", {{"range", toLsp(*doc, item.replace)}, {"newText", item.insertText}}},
                {"insertTextFormat", item.snippet ? 2 : 1}};
            if (!item.detail.empty())
                entry["detail"] = item.detail;
            if (!item.documentation.empty())
                entry["documentation"] = {{"kind", "markdown"}, {"value", item.documentation}};
            items.push_back(entry);
        }
        return Reply(json{{"isIncomplete", false}, {"items", items}});
    });
    d.onRequest("textDocument/hover", [this](const json &params) {
        TextDocument *doc = document(params);
        if (!doc || !isManifest(doc->uri(), doc->text()))
            return Reply(json());
        auto info = m_workspace.hover(doc->text(), uriToPath(doc->uri()),
                                      fromLsp(*doc, params.at("position")));
        if (!info)
            return Reply(json());
        return Reply(json{{"contents", {{"kind", "markdown"}, {"value", info->markdown}}},
                          {"range", toLsp(*doc, info->range)}});
    });
    d.onRequest("textDocument/definition", [this](const json &params) {
        TextDocument *doc = document(params);
        if (!doc || !isManifest(doc->uri(), doc->text()))
            return Reply(json());
        auto location = m_workspace.definition(doc->text(), uriToPath(doc->uri()),
                                               fromLsp(*doc, params.at("position")));
        if (!location)
            return Reply(json());
        const std::string uri = pathToUri(location->path);
        TextDocument target =
            location->path == uriToPath(doc->uri()) ? *doc : TextDocument(uri, "", 0);
        if (location->path != uriToPath(doc->uri())) {
            if (TextDocument *other = document(json{{"textDocument", {{"uri", uri}}}}))
                target = *other;
        }
        return Reply(json{{"uri", uri}, {"range", toLsp(target, location->range)}});
    });
    d.onRequest("textDocument/references", [this](const json &params) {
        TextDocument *doc = document(params);
        if (!doc)
            return Reply(json::array());
        std::map<std::string, std::string> manifests;
        for (const auto &[uri, open] : m_documents) {
            if (isManifest(uri, open->text()))
                manifests[uriToPath(uri)] = open->text();
        }
        json result = json::array();
        const SourcePosition at = fromLsp(*doc, params.at("position"));
        const auto found = m_workspace.references(uriToPath(doc->uri()), doc->text(), at, manifests);
        const json context = params.value("context", json::object());
        if (!found.empty() && context.is_object() && context.value("includeDeclaration", false)) {
            // The declaration is the function's own name, where the cursor is.
            if (auto decl = m_workspace.wordAt(doc->text(), at))
                result.push_back({{"uri", doc->uri()}, {"range", toLsp(*doc, *decl)}});
        }
        for (const auto &location : found) {
            const std::string uri = pathToUri(location.path);
            TextDocument *target = document(json{{"textDocument", {{"uri", uri}}}});
            if (target)
                result.push_back({{"uri", uri}, {"range", toLsp(*target, location.range)}});
        }
        return Reply(result);
    });
    d.onRequest("textDocument/documentSymbol", [this](const json &params) {
        TextDocument *doc = document(params);
        if (!doc || !isManifest(doc->uri(), doc->text()))
            return Reply(json::array());
        std::function<json(const DocumentSymbol &)> convert = [&](const DocumentSymbol &s) {
            json children = json::array();
            for (const auto &c : s.children)
                children.push_back(convert(c));
            json out{{"name", s.name},
                     {"kind", s.kind},
                     {"range", toLsp(*doc, s.range)},
                     {"selectionRange", toLsp(*doc, s.selectionRange)},
                     {"children", children}};
            if (!s.detail.empty())
                out["detail"] = s.detail;
            return out;
        };
        json result = json::array();
        for (const auto &s : m_workspace.symbols(doc->text(), uriToPath(doc->uri())))
            result.push_back(convert(s));
        return Reply(result);
    });
    d.onRequest("textDocument/foldingRange", [this](const json &params) {
        TextDocument *doc = document(params);
        if (!doc || !isManifest(doc->uri(), doc->text()))
            return Reply(json::array());
        json result = json::array();
        for (const auto &[start, end] :
             m_workspace.foldingRanges(doc->text(), uriToPath(doc->uri())))
            result.push_back({{"startLine", start}, {"endLine", end}});
        return Reply(result);
    });
    d.onRequest("textDocument/codeAction", [this](const json &params) {
        if (!params.contains("context") || !params["context"].contains("diagnostics"))
            return Reply(Error{jsonrpc::InvalidParams, "codeAction takes context.diagnostics"});
        return Reply(codeActions(params));
    });
    d.onRequest("textDocument/prepareRename", [this](const json &params) {
        TextDocument *doc = document(params);
        if (!doc || !isManifest(doc->uri(), doc->text()))
            return Reply(json());
        const auto target = renameTarget(doc->text(), uriToPath(doc->uri()),
                                         fromLsp(*doc, params.at("position")));
        if (!target)
            return Reply(json());
        return Reply(json{{"range", toLsp(*doc, target->range)}, {"placeholder", target->name}});
    });
    d.onRequest("textDocument/rename", [this](const json &params) {
        TextDocument *doc = document(params);
        if (!doc || !isManifest(doc->uri(), doc->text()))
            return Reply(json());
        std::string error;
        const std::string path = uriToPath(doc->uri());
        const auto edits = renameEdits(doc->text(), path, fromLsp(*doc, params.at("position")),
                                       params.at("newName").get<std::string>(), error);
        if (!error.empty())
            return Reply(Error{jsonrpc::RequestFailed, error});
        // Each file's edits in its own columns (the module's from its text on disk, or open).
        json changes = json::object();
        for (const auto &edit : edits) {
            const std::string uri = pathToUri(edit.file);
            json range;
            if (edit.file == path) {
                range = toLsp(*doc, edit.range);
            } else if (auto open = m_documents.find(uri); open != m_documents.end()) {
                range = toLsp(*open->second, edit.range);
            } else {
                std::ifstream in(edit.file, std::ios::binary);
                std::ostringstream text;
                text << in.rdbuf();
                range = toLsp(TextDocument(uri, text.str(), 0), edit.range);
            }
            changes[uri].push_back({{"range", range}, {"newText", edit.newText}});
        }
        return Reply(json{{"changes", changes}});
    });
    auto format = [this](const json &params, bool ranged) {
        TextDocument *doc = document(params);
        if (!doc || !isManifest(doc->uri(), doc->text()))
            return Reply(json::array());
        const json options = params.value("options", json::object());
        const int tabSize = std::clamp(options.value("tabSize", 2), 1, 8);
        std::optional<std::pair<int, int>> lines;
        if (ranged)
            lines = std::pair{params.at("range").at("start").at("line").get<int>(),
                              params.at("range").at("end").at("line").get<int>()};
        json edits = json::array();
        for (const auto &edit : formatManifest(doc->text(), uriToPath(doc->uri()), tabSize, lines))
            edits.push_back({{"range", toLsp(*doc, edit.range)}, {"newText", edit.newText}});
        return Reply(edits);
    };
    d.onRequest("textDocument/formatting", [format](const json &params) { return format(params, false); });
    d.onRequest("textDocument/rangeFormatting", [format](const json &params) { return format(params, true); });
    d.onRequest("textDocument/semanticTokens/full", [this](const json &params) {
        TextDocument *doc = document(params);
        if (!doc || !isManifest(doc->uri(), doc->text()))
            return Reply(json{{"data", json::array()}});
        // Five numbers a token: line and start relative to the previous one, length, type,
        // modifiers; columns in UTF-16.
        json data = json::array();
        int lastLine = 0, lastStart = 0;
        for (const auto &t : semanticTokens(doc->text(), uriToPath(doc->uri()))) {
            const int start = doc->utf16Column(t.line, t.column);
            const int length = doc->utf16Column(t.line, t.column + t.length) - start;
            data.push_back(t.line - lastLine);
            data.push_back(t.line == lastLine ? start - lastStart : start);
            data.push_back(length);
            data.push_back(static_cast<int>(t.type));
            data.push_back(0);
            lastLine = t.line;
            lastStart = start;
        }
        return Reply(json{{"data", data}});
    });
    d.onRequest("textDocument/documentLink", [this](const json &params) {
        TextDocument *doc = document(params);
        if (!doc || !isManifest(doc->uri(), doc->text()))
            return Reply(json::array());
        json result = json::array();
        for (const auto &link : documentLinks(doc->text(), uriToPath(doc->uri())))
            result.push_back({{"range", toLsp(*doc, link.range)},
                              {"target", pathToUri(link.file) +
                                             (link.line >= 0 ? "#L" + std::to_string(link.line + 1) : "")},
                              {"tooltip", link.tooltip}});
        return Reply(result);
    });
    d.onRequest("textDocument/codeLens", [this](const json &params) {
        TextDocument *doc = document(params);
        if (!doc || !isManifest(doc->uri(), doc->text()))
            return Reply(json::array());
        json result = json::array();
        for (const auto &lens : m_workspace.codeLenses(doc->text(), uriToPath(doc->uri())))
            result.push_back({{"range", toLsp(*doc, lens.range)},
                              {"command",
                               {{"title", lens.title},
                                {"command", lens.command},
                                {"arguments", lens.arguments}}}});
        return Reply(result);
    });
    d.onAsyncRequest("workspace/executeCommand",
                     [this](const json &params, jsonrpc::Dispatcher::ReplySink reply) {
                         executeCommand(params, std::move(reply));
                     });
}

void LspServer::executeCommand(const json &params, jsonrpc::Dispatcher::ReplySink reply) {
    const std::string command = params.at("command").get<std::string>();
    const json arguments = params.value("arguments", json::array());
    if (command != "nimbus.listFunctions" && command != "nimbus.invoke" &&
        command != "nimbus.debug" && command != "nimbus.dependencies") {
        reply(Error{jsonrpc::InvalidParams, "unknown command '" + command +
                                                "'; the commands are nimbus.listFunctions, "
                                                "nimbus.invoke, nimbus.debug and "
                                                "nimbus.dependencies"});
        return;
    }
    if (arguments.empty() || !arguments[0].is_string()) {
        reply(Error{jsonrpc::InvalidParams,
                    command + ": the first argument must be the project folder (or a file URI "
                              "in it)"});
        return;
    }
    std::string project = arguments[0].get<std::string>();
    if (project.rfind("file://", 0) == 0)
        project = uriToPath(project);
    std::error_code ec;
    if (fs::is_regular_file(project, ec))
        project = fs::path(project).parent_path().string();
    if (!fs::is_directory(project, ec)) {
        reply(Error{jsonrpc::InvalidParams, command + ": no project folder at " + project});
        return;
    }
    // The editor's folders only: a command reads the project's manifest and runs or installs
    // its code, which no one should be able to point at another folder of this machine.
    if (!m_folders.contains(project)) {
        reply(Error{jsonrpc::InvalidParams,
                    command + ": " + project + " is outside the folders the editor opened (" +
                        m_folders.describe() + "); open the project's folder in the editor first"});
        return;
    }
    if (command == "nimbus.listFunctions") {
        try {
            reply(m_workspace.listFunctions(project));
        } catch (const std::exception &e) {
            reply(Error{jsonrpc::RequestFailed, std::string("nimbus.listFunctions: ") + e.what()});
        }
        return;
    }
    if (arguments.size() < 2 || !arguments[1].is_string()) {
        reply(Error{jsonrpc::InvalidParams,
                    command + " takes [project, function" +
                        (command == "nimbus.invoke" ? ", event?]" : "]")});
        return;
    }
    const std::string function = arguments[1].get<std::string>();
    if (command == "nimbus.dependencies") {
        try {
            const json status = m_workspace.dependencies(project, function);
            // An editor that runs the command from its lens shows the answer to the user.
            if (status.is_object()) {
                const bool failed = status.value("state", "") == "failed";
                m_dispatcher.notify(
                    "window/showMessage",
                    {{"type", failed ? 1 : 3},
                     {"message",
                      function + ": " + status.value("file", "") + " " +
                          (failed ? "could not be installed by " + status.value("tool", "") +
                                        ":\n" + status.value("message", "")
                                  : status.value("state", "") + " (" + status.value("tool", "") +
                                        ", " + status.value("folder", "") + ")")}});
            }
            reply(status);
        } catch (const std::exception &e) {
            reply(Error{jsonrpc::RequestFailed, std::string("nimbus.dependencies: ") + e.what()});
        }
        return;
    }
    if (command == "nimbus.debug") {
        // The configuration a DAP client starts nimbus-dap with: launch an event function
        // with an event; attach to an http function, whose calls come over HTTP.
        std::string kind = "event";
        try {
            for (const auto &fn : m_workspace.listFunctions(project))
                if (fn.value("name", "") == function)
                    kind = fn.value("kind", "event");
        } catch (const std::exception &) {
            // A manifest that does not load yet: the launch configuration, as for events.
        }
        if (kind == "service") {
            reply(Error{jsonrpc::RequestFailed,
                        "nimbus.debug: '" + function +
                            "' is an http service, a server of its own: debug it with its "
                            "runtime's debugger"});
            return;
        }
        json configuration{{"type", "nimbus"},
                           {"request", kind == "http" ? "attach" : "launch"},
                           {"name", (kind == "http" ? "Attach to " : "Debug ") + function},
                           {"project", project},
                           {"function", function}};
        if (kind != "http")
            configuration["event"] = json::object();
        reply(configuration);
        return;
    }
    // nimbus.invoke runs the function, which takes as long as it takes: on its own thread,
    // so the server keeps answering (and the client may cancel).
    const json event = arguments.size() > 2 ? arguments[2] : json::object();
    ++m_runningJobs;
    m_jobs.emplace_back([this, project, function, event, reply = std::move(reply)] {
        try {
            reply(m_workspace.invoke(project, function, event));
        } catch (const std::exception &e) {
            reply(Error{jsonrpc::RequestFailed, std::string("nimbus.invoke: ") + e.what()});
        }
        --m_runningJobs;
    });
}

} // namespace nimbus::lsp
