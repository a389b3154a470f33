#pragma once

#include "models/breakpointsmodel.h"
#include "models/problemsmodel.h"

#include <QJsonArray>
#include <Qsci/qsciscintilla.h>

namespace nimbus::studio {

// A code lens: a command shown above a line (Invoke, Debug) that runs when clicked.
struct CodeLens {
    int line = 0;
    QString title;
    QString command;
    QJsonArray arguments;
};

// One editor on one file, on QScintilla: highlighting chosen by the file's type (YAML,
// Python, JavaScript/TypeScript, JSON), line numbers, folding, a dirty flag; and the
// places where language features show: diagnostics as squiggles with tooltips, code lenses
// above their lines (click the ▶ in the margin, or the line's context menu), completion
// lists, hovers. What fills those places comes from outside (LspFeatures).
class CodeEditor : public QsciScintilla {
    Q_OBJECT
public:
    explicit CodeEditor(QWidget *parent = nullptr);

    bool load(const QString &path, QString *error = nullptr);
    bool save(QString *error = nullptr);
    // Reads the file again (it changed on disk), keeping the cursor where it was.
    bool reload(QString *error = nullptr);
    QString path() const { return m_path; }
    QString languageId() const { return m_languageId; }
    bool isManifest() const;

    void goTo(int line, int column);
    void setProblems(const QList<Problem> &problems);
    const QList<Problem> &problems() const { return m_problems; }
    void setCodeLenses(const QList<CodeLens> &lenses);
    const QList<CodeLens> &codeLenses() const { return m_lenses; }
    // Shows completion items (LSP CompletionItem objects) at the cursor.
    void showCompletions(const QJsonArray &items);
    // The word before the cursor that completion replaces.
    QString wordBeforeCursor() const;
    // Problems whose range covers this position, one per line of text.
    QString problemsAt(int line, int column) const;
    qint64 lastModifiedOnDisk() const { return m_diskTime; }

    // Debugging: the file's breakpoints in the gutter (enabled, disabled, unverified and
    // logpoints drawn differently), the line the function is stopped at (-1: none), and an
    // exception shown under the line that raised it.
    void setBreakpointMarkers(const QList<Breakpoint> &breakpoints);
    void setExecutionLine(int line);
    int executionLine() const { return m_executionLine; }
    void showException(int line, const QString &text);
    QList<int> breakpointMarkerLines() const;

signals:
    void definitionRequested(int line, int column);
    void completionRequested(int line, int column);
    void hoverRequested(int line, int column, const QPoint &globalPos);
    void lensActivated(const nimbus::studio::CodeLens &lens);
    void dirtyChanged(bool dirty);
    // The gutter was clicked (toggle), or the context menu asked to add or edit one:
    // kind is "condition", "hit", "log", "edit", "enable", "disable" or "remove".
    void breakpointToggleRequested(int line);
    void breakpointEditRequested(int line, const QString &kind);

protected:
    void mouseReleaseEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;

private:
    void chooseLexer();
    void onCharAdded(int ch);
    void onUserListActivated(int id, const QString &text);

    QString m_path;
    bool m_isManifest = false; // the project's manifest (decided when the file opens)
    QString m_languageId;
    QList<Problem> m_problems;
    QList<CodeLens> m_lenses;
    QJsonArray m_completionItems;
    qint64 m_diskTime = 0;
    int m_executionLine = -1;
    int m_exceptionLine = -1;
};

} // namespace nimbus::studio
