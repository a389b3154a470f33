#include "codeeditor.h"

#include "nimbus/manifest/manifestloader.h"

#include <QContextMenuEvent>
#include <QFile>
#include <QFileInfo>
#include <QFontDatabase>
#include <QJsonObject>
#include <QMenu>
#include <QSaveFile>
#include <QToolTip>
#include <Qsci/qscilexerjavascript.h>
#include <Qsci/qscilexerjson.h>
#include <Qsci/qscilexerpython.h>
#include <Qsci/qscilexeryaml.h>

namespace nimbus::studio {

namespace {

constexpr int kErrorIndicator = 8;
constexpr int kWarningIndicator = 9;
constexpr int kInfoIndicator = 10;
constexpr int kBreakpointMargin = 0;
constexpr int kLineNumberMargin = 1;
constexpr int kLensMargin = 2;
constexpr int kFoldMargin = 3;
constexpr int kCompletionList = 1;
// Markers: 1 the code lens ▶; 2-5 breakpoints; 6-7 where execution stopped.
constexpr int kLensMarker = 1;
constexpr int kBreakpointMarker = 2;
constexpr int kDisabledMarker = 3;
constexpr int kUnverifiedMarker = 4;
constexpr int kLogpointMarker = 5;
constexpr int kExecutionMarker = 6;
constexpr int kExecutionLineMarker = 7;
constexpr int kExceptionStyle = 40; // an annotation style for the exception's text

} // namespace

CodeEditor::CodeEditor(QWidget *parent)
    : QsciScintilla(parent) {
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    setFont(mono);
    setMarginsFont(mono);
    setUtf8(true);
    setIndentationsUseTabs(false);
    setTabWidth(4);
    setAutoIndent(true);
    setBraceMatching(SloppyBraceMatch);
    setCaretLineVisible(true);
    setCaretLineBackgroundColor(QColor(0xf4, 0xf6, 0xfb));
    setMarginType(kBreakpointMargin, SymbolMargin);
    setMarginWidth(kBreakpointMargin, 16);
    setMarginSensitivity(kBreakpointMargin, true);
    setMarginMarkerMask(kBreakpointMargin, (1 << kBreakpointMarker) | (1 << kDisabledMarker) |
                                               (1 << kUnverifiedMarker) | (1 << kLogpointMarker) |
                                               (1 << kExecutionMarker));
    setMarginType(kLineNumberMargin, NumberMargin);
    setMarginWidth(kLineNumberMargin, "00000");
    setMarginMarkerMask(kLineNumberMargin, 0);
    setMarginType(kLensMargin, SymbolMargin);
    setMarginWidth(kLensMargin, 0);
    setMarginSensitivity(kLensMargin, true);
    setMarginMarkerMask(kLensMargin, 1 << kLensMarker);
    setMarginMarkerMask(kFoldMargin, 0);
    // How each marker is drawn: shape, fill, outline.
    struct MarkerStyle {
        int marker;
        MarkerSymbol symbol;
        QColor fill;
        QColor outline;
    };
    const MarkerStyle markers[] = {
        {kLensMarker, RightTriangle, QColor(0x26, 0x80, 0x3c), QColor(0x26, 0x80, 0x3c)},
        {kBreakpointMarker, Circle, QColor(0xe0, 0x1b, 0x24), QColor(0xa5, 0x1d, 0x2d)},
        {kDisabledMarker, Circle, QColor(0xc0, 0xbf, 0xbc), QColor(0x9a, 0x99, 0x96)},
        // Hollow: not bound (yet).
        {kUnverifiedMarker, Circle, QColor(0xff, 0xff, 0xff), QColor(0xe0, 0x1b, 0x24)},
        {kLogpointMarker, SmallRectangle, QColor(0xe0, 0x1b, 0x24), QColor(0xa5, 0x1d, 0x2d)},
        {kExecutionMarker, RightArrow, QColor(0xf6, 0xd3, 0x2d), QColor(0x98, 0x6a, 0x44)},
        {kExecutionLineMarker, Background, QColor(0xfd, 0xf3, 0xc4), QColor(0xfd, 0xf3, 0xc4)},
    };
    for (const MarkerStyle &m : markers) {
        markerDefine(m.symbol, m.marker);
        setMarkerBackgroundColor(m.fill, m.marker);
        setMarkerForegroundColor(m.outline, m.marker);
    }
    setFolding(BoxedTreeFoldStyle, kFoldMargin);
    setAnnotationDisplay(AnnotationStandard);

    indicatorDefine(SquiggleLowIndicator, kErrorIndicator);
    setIndicatorForegroundColor(QColor(0xe0, 0x1b, 0x24), kErrorIndicator);
    indicatorDefine(SquiggleLowIndicator, kWarningIndicator);
    setIndicatorForegroundColor(QColor(0xc6, 0x8a, 0x00), kWarningIndicator);
    indicatorDefine(DotsIndicator, kInfoIndicator);
    setIndicatorForegroundColor(QColor(0x1a, 0x5f, 0xb4), kInfoIndicator);

    // Completion lists hold labels with spaces; separate items by newlines.
    SendScintilla(SCI_AUTOCSETSEPARATOR, static_cast<unsigned long>('\n'));
    SendScintilla(SCI_SETMOUSEDWELLTIME, 400);
    setAutoCompletionSource(AcsNone);

    connect(this, &QsciScintilla::modificationChanged, this, &CodeEditor::dirtyChanged);
    connect(this, &QsciScintilla::SCN_CHARADDED, this, &CodeEditor::onCharAdded);
    connect(this, &QsciScintilla::userListActivated, this, &CodeEditor::onUserListActivated);
    connect(this, &QsciScintilla::marginClicked, this,
            [this](int margin, int line, Qt::KeyboardModifiers) {
                if (margin == kBreakpointMargin && !isManifest()) {
                    emit breakpointToggleRequested(line);
                    return;
                }
                if (margin != kLensMargin)
                    return;
                for (const auto &lens : m_lenses)
                    if (lens.line == line) {
                        emit lensActivated(lens);
                        return;
                    }
            });
    connect(this, &QsciScintillaBase::SCN_DWELLSTART, this, [this](int position, int x, int y) {
        if (position < 0)
            return;
        int line = 0, index = 0;
        lineIndexFromPosition(position, &line, &index);
        const QString problems = problemsAt(line, index);
        const QPoint global = mapToGlobal(QPoint(x, y));
        if (!problems.isEmpty())
            QToolTip::showText(global, problems, this);
        emit hoverRequested(line, index, global);
    });
    connect(this, &QsciScintillaBase::SCN_DWELLEND, this,
            [](int, int, int) { QToolTip::hideText(); });
}

bool CodeEditor::isManifest() const {
    return m_isManifest;
}

void CodeEditor::chooseLexer() {
    const QString suffix = QFileInfo(m_path).suffix().toLower();
    QsciLexer *lexer = nullptr;
    if (suffix == "yml" || suffix == "yaml") {
        lexer = new QsciLexerYAML(this);
        m_languageId = "yaml";
    } else if (suffix == "py") {
        lexer = new QsciLexerPython(this);
        m_languageId = "python";
    } else if (suffix == "js" || suffix == "mjs" || suffix == "cjs" || suffix == "ts" ||
               suffix == "mts" || suffix == "cts" || suffix == "jsx" || suffix == "tsx") {
        lexer = new QsciLexerJavaScript(this);
        m_languageId = suffix.contains('t') && suffix != "cjs" && suffix != "mjs" ? "typescript"
                                                                                  : "javascript";
    } else if (suffix == "json") {
        lexer = new QsciLexerJSON(this);
        m_languageId = "json";
    } else {
        m_languageId = "plaintext";
    }
    if (lexer) {
        const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
        lexer->setDefaultFont(mono);
        lexer->setFont(mono);
        setLexer(lexer);
    }
    if (isManifest()) {
        setMarginWidth(kLensMargin, 14);
        setMarginWidth(kBreakpointMargin, 0); // breakpoints go in handlers
    }
    setTabWidth(m_languageId == "yaml" || m_languageId == "json" ? 2 : 4);
}

bool CodeEditor::load(const QString &path, QString *error) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = tr("cannot open %1: %2").arg(path, file.errorString());
        return false;
    }
    m_path = QFileInfo(path).absoluteFilePath();
    // Decided once, as the file opens (it is asked on every keystroke): serverless.yml, or
    // scfcli's template.yaml but not AWS SAM's.
    const QString name = QFileInfo(m_path).fileName();
    m_isManifest = manifest::ManifestLoader::isManifestFileName(name.toStdString()) &&
                   (!name.startsWith("template.") ||
                    manifest::ManifestLoader::isScfTemplate(m_path.toStdString()));
    chooseLexer();
    setText(QString::fromUtf8(file.readAll()));
    setModified(false);
    SendScintilla(SCI_EMPTYUNDOBUFFER);
    m_diskTime = QFileInfo(path).lastModified().toMSecsSinceEpoch();
    return true;
}

bool CodeEditor::reload(QString *error) {
    int line = 0, index = 0;
    getCursorPosition(&line, &index);
    const int top = firstVisibleLine();
    QFile file(m_path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = tr("cannot read %1: %2").arg(m_path, file.errorString());
        return false;
    }
    setText(QString::fromUtf8(file.readAll()));
    setModified(false);
    m_diskTime = QFileInfo(m_path).lastModified().toMSecsSinceEpoch();
    setCursorPosition(std::min(line, lines() - 1), index);
    setFirstVisibleLine(top);
    return true;
}

bool CodeEditor::save(QString *error) {
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = tr("cannot write %1: %2").arg(m_path, file.errorString());
        return false;
    }
    file.write(text().toUtf8());
    if (!file.commit()) {
        if (error)
            *error = tr("cannot write %1: %2").arg(m_path, file.errorString());
        return false;
    }
    setModified(false);
    m_diskTime = QFileInfo(m_path).lastModified().toMSecsSinceEpoch();
    return true;
}

void CodeEditor::goTo(int line, int column) {
    line = std::clamp(line, 0, std::max(0, lines() - 1));
    setCursorPosition(line, column);
    ensureLineVisible(line);
    // Bring the line near the top third, as editors do on a jump.
    setFirstVisibleLine(std::max(0, line - 5));
    setFocus();
}

void CodeEditor::setProblems(const QList<Problem> &problems) {
    m_problems = problems;
    const int end = length();
    for (int indicator : {kErrorIndicator, kWarningIndicator, kInfoIndicator}) {
        SendScintilla(SCI_SETINDICATORCURRENT, indicator);
        SendScintilla(SCI_INDICATORCLEARRANGE, 0, end);
    }
    for (const Problem &p : problems) {
        const int indicator = p.severity == 1   ? kErrorIndicator
                              : p.severity == 2 ? kWarningIndicator
                                                : kInfoIndicator;
        int from = positionFromLineIndex(p.line, p.column);
        int to = positionFromLineIndex(p.endLine, p.endColumn);
        if (to <= from) {
            // An empty range: mark the word (or the rest of the line) it points at.
            to = SendScintilla(SCI_WORDENDPOSITION, from, true);
            if (to <= from)
                to = SendScintilla(SCI_GETLINEENDPOSITION, p.line);
            if (to <= from)
                from = std::max(0, from - 1);
        }
        SendScintilla(SCI_SETINDICATORCURRENT, indicator);
        SendScintilla(SCI_INDICATORFILLRANGE, from, std::max(1, to - from));
    }
}

QString CodeEditor::problemsAt(int line, int column) const {
    QStringList out;
    for (const Problem &p : m_problems) {
        const bool after = line > p.line || (line == p.line && column >= p.column);
        const bool before = line < p.endLine || (line == p.endLine && column <= p.endColumn) ||
                            (p.endLine == p.line && p.endColumn <= p.column && line == p.line);
        if (after && before)
            out.append(severityName(p.severity) + ": " + p.message);
    }
    return out.join('\n');
}

void CodeEditor::setCodeLenses(const QList<CodeLens> &lenses) {
    m_lenses = lenses;
    clearAnnotations();
    markerDeleteAll(kLensMarker);
    QMap<int, QStringList> titles;
    for (const auto &lens : lenses)
        titles[lens.line].append(lens.title);
    for (auto it = titles.begin(); it != titles.end(); ++it) {
        markerAdd(it.key(), kLensMarker);
        // Scintilla draws annotations below a line: the one above the function is the
        // previous line's.
        if (it.key() > 0)
            annotate(it.key() - 1, it.value().join(QStringLiteral("  |  ")), 0);
    }
}

QString CodeEditor::wordBeforeCursor() const {
    int line = 0, index = 0;
    getCursorPosition(&line, &index);
    const QString lineText = text(line).left(index);
    int start = static_cast<int>(lineText.size());
    while (start > 0 && (lineText[start - 1].isLetterOrNumber() || lineText[start - 1] == '_' ||
                         lineText[start - 1] == '-' || lineText[start - 1] == '.' ||
                         lineText[start - 1] == '$' || lineText[start - 1] == '{'))
        --start;
    return lineText.mid(start);
}

void CodeEditor::showCompletions(const QJsonArray &items) {
    m_completionItems = items;
    if (items.isEmpty())
        return;
    const QString prefix = wordBeforeCursor();
    QStringList labels;
    QJsonArray kept;
    for (const auto &i : items) {
        const QString label = i.toObject().value("label").toString();
        const QString filter = i.toObject().value("filterText").toString(label);
        if (!prefix.isEmpty() && !filter.startsWith(prefix, Qt::CaseInsensitive) &&
            !label.contains(prefix, Qt::CaseInsensitive))
            continue;
        labels.append(label);
        kept.append(i);
    }
    m_completionItems = kept;
    if (labels.isEmpty())
        return;
    showUserList(kCompletionList, labels);
}

void CodeEditor::onUserListActivated(int id, const QString &text) {
    if (id != kCompletionList)
        return;
    QJsonObject chosen;
    for (const auto &i : m_completionItems)
        if (i.toObject().value("label").toString() == text) {
            chosen = i.toObject();
            break;
        }
    if (chosen.isEmpty())
        return;
    beginUndoAction();
    const QJsonObject edit = chosen.value("textEdit").toObject();
    if (!edit.isEmpty()) {
        const QJsonObject range = edit.value("range").toObject();
        const QJsonObject start = range.value("start").toObject();
        const QJsonObject end = range.value("end").toObject();
        int line = 0, index = 0;
        getCursorPosition(&line, &index);
        // The range was computed when the list was asked for; what was typed since then
        // is replaced too.
        int endLine = end.value("line").toInt(), endIndex = end.value("character").toInt();
        if (line == endLine && index > endIndex)
            endIndex = index;
        setSelection(start.value("line").toInt(), start.value("character").toInt(), endLine,
                     endIndex);
        replaceSelectedText(edit.value("newText").toString());
    } else {
        const QString insert = chosen.value("insertText").toString(text);
        const QString prefix = wordBeforeCursor();
        int line = 0, index = 0;
        getCursorPosition(&line, &index);
        setSelection(line, index - static_cast<int>(prefix.size()), line, index);
        replaceSelectedText(insert);
    }
    endUndoAction();
}

void CodeEditor::onCharAdded(int ch) {
    if (!isManifest())
        return;
    const QChar c(ch);
    if (!(c.isLetterOrNumber() || c == ':' || c == '{' || c == '-' || c == '.' || c == '$' ||
          c == ' '))
        return;
    int line = 0, index = 0;
    getCursorPosition(&line, &index);
    if (c == ' ') {
        // A space asks for values only right after "key:" or a list's "-".
        const QString before = text(line).left(index).trimmed();
        if (!before.endsWith(':') && !before.endsWith('-'))
            return;
    }
    if (c.isLetterOrNumber() && isListActive())
        return; // the open list filters itself
    emit completionRequested(line, index);
}

void CodeEditor::keyPressEvent(QKeyEvent *event) {
    if (event->key() == Qt::Key_Space && event->modifiers() == Qt::ControlModifier) {
        int line = 0, index = 0;
        getCursorPosition(&line, &index);
        emit completionRequested(line, index);
        return;
    }
    if (event->key() == Qt::Key_F12 && event->modifiers() == Qt::NoModifier) {
        int line = 0, index = 0;
        getCursorPosition(&line, &index);
        emit definitionRequested(line, index);
        return;
    }
    QsciScintilla::keyPressEvent(event);
}

void CodeEditor::mouseReleaseEvent(QMouseEvent *event) {
    QsciScintilla::mouseReleaseEvent(event);
    if (event->button() == Qt::LeftButton && (event->modifiers() & Qt::ControlModifier)) {
        int line = 0, index = 0;
        getCursorPosition(&line, &index);
        emit definitionRequested(line, index);
    }
}

void CodeEditor::contextMenuEvent(QContextMenuEvent *event) {
    QMenu *menu = createStandardContextMenu();
    const int position =
        static_cast<int>(SendScintilla(SCI_POSITIONFROMPOINT, event->pos().x(), event->pos().y()));
    int line = 0, index = 0;
    lineIndexFromPosition(position, &line, &index);
    if (isManifest()) {
        menu->addSeparator();
        QAction *definition = menu->addAction(tr("Go to Definition"));
        definition->setShortcut(Qt::Key_F12);
        connect(definition, &QAction::triggered, this,
                [this, line, index] { emit definitionRequested(line, index); });
        for (const auto &lens : m_lenses) {
            if (lens.line != line)
                continue;
            QAction *action = menu->addAction(lens.title);
            connect(action, &QAction::triggered, this, [this, lens] { emit lensActivated(lens); });
        }
    }
    if (!isManifest()) {
        menu->addSeparator();
        auto add = [&](const QString &text, const QString &kind) {
            QAction *action = menu->addAction(text);
            connect(action, &QAction::triggered, this, [this, line, kind] {
                if (kind == "toggle")
                    emit breakpointToggleRequested(line);
                else
                    emit breakpointEditRequested(line, kind);
            });
        };
        if (markersAtLine(line) & ((1 << kBreakpointMarker) | (1 << kDisabledMarker) |
                                   (1 << kUnverifiedMarker) | (1 << kLogpointMarker))) {
            add(tr("Edit Breakpoint…"), "edit");
            add((markersAtLine(line) & (1 << kDisabledMarker)) ? tr("Enable Breakpoint")
                                                                : tr("Disable Breakpoint"),
                (markersAtLine(line) & (1 << kDisabledMarker)) ? "enable" : "disable");
            add(tr("Remove Breakpoint"), "remove");
        } else {
            add(tr("Add Breakpoint"), "toggle");
            add(tr("Add Conditional Breakpoint…"), "condition");
            add(tr("Add Hit Count Breakpoint…"), "hit");
            add(tr("Add Logpoint…"), "log");
        }
    }
    menu->exec(event->globalPos());
    delete menu;
}

void CodeEditor::setBreakpointMarkers(const QList<Breakpoint> &breakpoints) {
    for (int marker : {kBreakpointMarker, kDisabledMarker, kUnverifiedMarker, kLogpointMarker})
        markerDeleteAll(marker);
    for (const Breakpoint &b : breakpoints) {
        const int marker = !b.enabled              ? kDisabledMarker
                           : !b.logMessage.isEmpty() ? kLogpointMarker
                           : b.message.isEmpty() || b.verified ? kBreakpointMarker
                                                               : kUnverifiedMarker;
        markerAdd(b.boundLine >= 0 && b.enabled ? b.boundLine : b.line, marker);
    }
}

QList<int> CodeEditor::breakpointMarkerLines() const {
    QList<int> out;
    const unsigned mask = (1u << kBreakpointMarker) | (1u << kDisabledMarker) |
                          (1u << kUnverifiedMarker) | (1u << kLogpointMarker);
    for (int line = 0; line < lines(); ++line)
        if (static_cast<unsigned>(const_cast<CodeEditor *>(this)->markersAtLine(line)) & mask)
            out.append(line);
    return out;
}

void CodeEditor::setExecutionLine(int line) {
    markerDeleteAll(kExecutionMarker);
    markerDeleteAll(kExecutionLineMarker);
    if (m_exceptionLine >= 0 && line != m_exceptionLine) {
        clearAnnotations(m_exceptionLine);
        m_exceptionLine = -1;
    }
    m_executionLine = line;
    if (line < 0)
        return;
    markerAdd(line, kExecutionMarker);
    markerAdd(line, kExecutionLineMarker);
    ensureLineVisible(line);
}

void CodeEditor::showException(int line, const QString &text) {
    SendScintilla(SCI_STYLESETFORE, kExceptionStyle, 0x281cc0); // BGR: a dark red
    SendScintilla(SCI_STYLESETBACK, kExceptionStyle, 0xe4e3fb);
    m_exceptionLine = line;
    annotate(line, text, kExceptionStyle);
}

} // namespace nimbus::studio
