#include "lspfeatures.h"

#include "clients/lspclient.h"
#include "models/problemsmodel.h"

#include <QJsonObject>
#include <QTimer>
#include <QToolTip>

namespace nimbus::studio {

LspFeatures::LspFeatures(LspClient *client, ProblemsModel *problems, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_problems(problems) {
    connect(m_client, &LspClient::diagnosticsPublished, m_problems, &ProblemsModel::setDiagnostics);
    connect(m_problems, &ProblemsModel::fileProblemsChanged, this, [this](const QString &file) {
        if (CodeEditor *editor = editorFor(file))
            editor->setProblems(m_problems->problemsFor(file));
    });
    // A restarted server has the documents again: refresh what depends on it.
    connect(m_client, &LspClient::stateChanged, this, [this](LspClient::State state) {
        if (state != LspClient::State::Running)
            return;
        for (const auto &editor : m_editors)
            if (editor)
                refresh(editor);
    });
}

QJsonObject LspFeatures::position(CodeEditor *editor, int line, int column) {
    return QJsonObject{{"textDocument", QJsonObject{{"uri", LspClient::uriFor(editor->path())}}},
                       {"position", QJsonObject{{"line", line}, {"character", column}}}};
}

CodeEditor *LspFeatures::editorFor(const QString &path) const {
    for (const auto &editor : m_editors)
        if (editor && editor->path() == path)
            return editor;
    return nullptr;
}

void LspFeatures::flush(CodeEditor *editor) {
    const QString text = editor->text();
    if (m_client->isOpen(editor->path()) && m_client->documentText(editor->path()) != text)
        m_client->changeDocument(editor->path(), text);
}

void LspFeatures::attach(CodeEditor *editor) {
    editor->setProblems(m_problems->problemsFor(editor->path()));
    if (!editor->isManifest())
        return;
    m_editors.append(editor);
    m_client->openDocument(editor->path(), "yaml", editor->text());

    // Changes go to the server as they happen (coalesced within one event-loop turn);
    // lenses and symbols follow once typing pauses.
    auto *sync = new QTimer(editor);
    sync->setSingleShot(true);
    sync->setInterval(0);
    auto *slow = new QTimer(editor);
    slow->setSingleShot(true);
    slow->setInterval(400);
    connect(editor, &QsciScintilla::textChanged, sync, qOverload<>(&QTimer::start));
    connect(sync, &QTimer::timeout, this, [this, editor, slow] {
        flush(editor);
        slow->start();
    });
    connect(slow, &QTimer::timeout, this, [this, editor] { refresh(editor); });
    connect(editor, &CodeEditor::completionRequested, this,
            [this, editor](int line, int column) { requestCompletion(editor, line, column); });
    connect(editor, &CodeEditor::hoverRequested, this,
            [this, editor](int line, int column, const QPoint &pos) {
                requestHover(editor, line, column, pos);
            });
    connect(editor, &CodeEditor::definitionRequested, this,
            [this, editor](int line, int column) { requestDefinition(editor, line, column); });
    connect(editor, &CodeEditor::lensActivated, this, &LspFeatures::lensActivated);
    connect(editor, &QObject::destroyed, this, [this, editor] { m_editors.removeAll(editor); });
    refresh(editor);
}

void LspFeatures::detach(CodeEditor *editor) {
    if (!m_editors.contains(editor))
        return;
    m_editors.removeAll(editor);
    m_client->closeDocument(editor->path());
}

void LspFeatures::saved(CodeEditor *editor) {
    if (m_editors.contains(editor))
        m_client->saveDocument(editor->path());
}

void LspFeatures::refresh(CodeEditor *editor) {
    flush(editor);
    const QJsonObject document{
        {"textDocument", QJsonObject{{"uri", LspClient::uriFor(editor->path())}}}};
    QPointer<CodeEditor> guard(editor);
    m_client->request(
        "textDocument/codeLens", document, [guard](const QJsonValue &result, const QString &error) {
            if (!guard || !error.isEmpty())
                return;
            QList<CodeLens> lenses;
            for (const auto &l : result.toArray()) {
                const QJsonObject lens = l.toObject();
                const QJsonObject command = lens.value("command").toObject();
                lenses.append(
                    {lens.value("range").toObject().value("start").toObject().value("line").toInt(),
                     command.value("title").toString(), command.value("command").toString(),
                     command.value("arguments").toArray()});
            }
            guard->setCodeLenses(lenses);
        });
    m_client->request("textDocument/documentSymbol", document,
                      [this, guard](const QJsonValue &result, const QString &error) {
                          if (guard && error.isEmpty())
                              emit symbolsChanged(guard->path(), result.toArray());
                      });
}

void LspFeatures::requestCompletion(CodeEditor *editor, int line, int column) {
    flush(editor);
    if (m_completionRequest)
        m_client->cancel(m_completionRequest);
    QPointer<CodeEditor> guard(editor);
    m_completionRequest = m_client->request(
        "textDocument/completion", position(editor, line, column),
        [this, guard, line](const QJsonValue &result, const QString &error) {
            m_completionRequest = 0;
            if (!guard || !error.isEmpty())
                return;
            int nowLine = 0, nowIndex = 0;
            guard->getCursorPosition(&nowLine, &nowIndex);
            if (nowLine != line)
                return; // the user moved on
            const QJsonArray items =
                result.isArray() ? result.toArray() : result.toObject().value("items").toArray();
            guard->showCompletions(items);
        });
}

void LspFeatures::requestHover(CodeEditor *editor, int line, int column, const QPoint &globalPos) {
    flush(editor);
    QPointer<CodeEditor> guard(editor);
    m_client->request(
        "textDocument/hover", position(editor, line, column),
        [guard, line, column, globalPos](const QJsonValue &result, const QString &error) {
            if (!guard || !error.isEmpty() || !result.isObject())
                return;
            const QJsonValue contents = result.toObject().value("contents");
            QString text;
            if (contents.isString())
                text = contents.toString();
            else if (contents.isObject())
                text = contents.toObject().value("value").toString();
            else
                for (const auto &part : contents.toArray())
                    text += (part.isString() ? part.toString()
                                             : part.toObject().value("value").toString()) +
                            "\n";
            const QString problems = guard->problemsAt(line, column);
            if (!problems.isEmpty())
                text = problems + "\n\n" + text;
            if (!text.trimmed().isEmpty())
                QToolTip::showText(globalPos, text.trimmed(), guard);
        });
}

void LspFeatures::requestDefinition(CodeEditor *editor, int line, int column) {
    flush(editor);
    m_client->request("textDocument/definition", position(editor, line, column),
                      [this](const QJsonValue &result, const QString &error) {
                          if (!error.isEmpty()) {
                              emit message(tr("Go to Definition: %1").arg(error));
                              return;
                          }
                          QJsonObject location = result.isArray()
                                                     ? result.toArray().first().toObject()
                                                     : result.toObject();
                          if (location.isEmpty()) {
                              emit message(tr("Go to Definition: nothing is defined here"));
                              return;
                          }
                          const QString uri = location.contains("targetUri")
                                                  ? location.value("targetUri").toString()
                                                  : location.value("uri").toString();
                          const QJsonObject start =
                              location
                                  .value(location.contains("targetSelectionRange")
                                             ? "targetSelectionRange"
                                             : "range")
                                  .toObject()
                                  .value("start")
                                  .toObject();
                          emit openLocation(LspClient::pathFor(uri), start.value("line").toInt(),
                                            start.value("character").toInt());
                      });
}

} // namespace nimbus::studio
