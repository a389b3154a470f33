#pragma once

#include "codeeditor.h"

#include <QJsonArray>
#include <QObject>
#include <QPointer>

namespace nimbus::studio {

class LspClient;
class ProblemsModel;

// The language server's features in the editors, as Qt Creator's LanguageClient plugin
// joins a client to its editors: open and changed manifests are synchronised with nimbus-lsp;
// its diagnostics become squiggles (and the Problems panel's rows, through ProblemsModel);
// completion, hover and go-to-definition answer the editor's requests; code lenses and the
// outline are refreshed as the text changes.
class LspFeatures : public QObject {
    Q_OBJECT
public:
    LspFeatures(LspClient *client, ProblemsModel *problems, QObject *parent = nullptr);

    void attach(CodeEditor *editor);
    void detach(CodeEditor *editor);
    void saved(CodeEditor *editor);
    // Asks the server for the document's symbols and code lenses again.
    void refresh(CodeEditor *editor);

signals:
    void openLocation(const QString &path, int line, int column);
    void lensActivated(const nimbus::studio::CodeLens &lens);
    void symbolsChanged(const QString &path, const QJsonArray &symbols);
    // A request failed in a way the user should see (in the status bar).
    void message(const QString &text);

private:
    void requestCompletion(CodeEditor *editor, int line, int column);
    void requestHover(CodeEditor *editor, int line, int column, const QPoint &globalPos);
    void requestDefinition(CodeEditor *editor, int line, int column);
    CodeEditor *editorFor(const QString &path) const;
    // Sends the editor's text if the server has not got it yet, so a request about a
    // position is answered on the text the user sees.
    void flush(CodeEditor *editor);
    static QJsonObject position(CodeEditor *editor, int line, int column);

    LspClient *m_client;
    ProblemsModel *m_problems;
    QList<QPointer<CodeEditor>> m_editors;
    int m_completionRequest = 0;
};

} // namespace nimbus::studio
