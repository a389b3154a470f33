#include "editorarea.h"

#include "window/banner.h"

#include <QDir>
#include <QFileInfo>
#include <QMessageBox>
#include <QTabBar>
#include <QTabWidget>
#include <QVBoxLayout>

namespace nimbus::studio {

EditorArea::EditorArea(const QString &projectDir, QWidget *parent)
    : QWidget(parent)
    , m_projectDir(projectDir)
    , m_recovery(projectDir) {
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    m_banner = new Banner(tr("Editor notification"), this);
    layout->addWidget(m_banner);
    m_tabs = new QTabWidget(this);
    m_tabs->setTabsClosable(true);
    m_tabs->setMovable(true);
    m_tabs->setDocumentMode(true);
    m_tabs->setAccessibleName(tr("Editors"));
    layout->addWidget(m_tabs, 1);
    connect(m_tabs, &QTabWidget::tabCloseRequested, this, [this](int index) {
        if (auto *editor = qobject_cast<CodeEditor *>(m_tabs->widget(index)))
            close(editor);
    });
    connect(m_tabs, &QTabWidget::currentChanged, this,
            [this] { emit currentEditorChanged(current()); });
    connect(&m_watcher, &QFileSystemWatcher::fileChanged, this, &EditorArea::fileChangedOnDisk);
    m_recoveryTimer.setInterval(1000);
    connect(&m_recoveryTimer, &QTimer::timeout, this, &EditorArea::writeRecovery);
    m_recoveryTimer.start();
}

CodeEditor *EditorArea::current() const {
    return qobject_cast<CodeEditor *>(m_tabs->currentWidget());
}

QList<CodeEditor *> EditorArea::editors() const {
    QList<CodeEditor *> out;
    for (int i = 0; i < m_tabs->count(); ++i)
        if (auto *editor = qobject_cast<CodeEditor *>(m_tabs->widget(i)))
            out.append(editor);
    return out;
}

CodeEditor *EditorArea::editorFor(const QString &path) const {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    for (CodeEditor *editor : editors())
        if (editor->path() == absolute)
            return editor;
    return nullptr;
}

QStringList EditorArea::openFiles() const {
    QStringList out;
    for (CodeEditor *editor : editors())
        out.append(editor->path());
    return out;
}

bool EditorArea::hasUnsavedChanges() const {
    for (CodeEditor *editor : editors())
        if (editor->isModified())
            return true;
    return false;
}

CodeEditor *EditorArea::open(const QString &path, int line, int column) {
    CodeEditor *editor = editorFor(path);
    if (!editor) {
        editor = new CodeEditor(m_tabs);
        QString error;
        if (!editor->load(path, &error)) {
            delete editor;
            emit message(error);
            return nullptr;
        }
        const QString name = QFileInfo(path).fileName();
        editor->setAccessibleName(tr("Editor: %1").arg(name));
        const int index = m_tabs->addTab(editor, name);
        m_tabs->setTabToolTip(index, QDir(m_projectDir).relativeFilePath(editor->path()));
        m_watcher.addPath(editor->path());
        connect(editor, &CodeEditor::dirtyChanged, this,
                [this, editor] { updateTabTitle(editor); });
        connect(editor, &QsciScintilla::textChanged, this,
                [this, editor] { m_changedSinceRecovery.insert(editor); });
        emit editorOpened(editor);
    }
    m_tabs->setCurrentWidget(editor);
    if (line >= 0)
        editor->goTo(line, column);
    else
        editor->setFocus();
    return editor;
}

void EditorArea::updateTabTitle(CodeEditor *editor) {
    const int index = m_tabs->indexOf(editor);
    if (index < 0)
        return;
    const QString name = QFileInfo(editor->path()).fileName();
    m_tabs->setTabText(index, editor->isModified() ? QStringLiteral("• ") + name : name);
    if (!editor->isModified())
        m_recovery.remove(editor->path());
}

bool EditorArea::save(CodeEditor *editor) {
    QString error;
    // Our own write must not look like someone else's change.
    m_watcher.removePath(editor->path());
    const bool ok = editor->save(&error);
    m_watcher.addPath(editor->path());
    if (!ok) {
        m_banner->showMessage(error, Banner::Tone::Error);
        return false;
    }
    m_recovery.remove(editor->path());
    m_changedSinceRecovery.remove(editor);
    updateTabTitle(editor);
    emit fileSaved(editor->path());
    emit message(tr("Saved %1").arg(QDir(m_projectDir).relativeFilePath(editor->path())));
    return true;
}

bool EditorArea::saveAll() {
    bool ok = true;
    for (CodeEditor *editor : editors())
        if (editor->isModified())
            ok = save(editor) && ok;
    return ok;
}

bool EditorArea::close(CodeEditor *editor, bool force) {
    if (!force && editor->isModified()) {
        const auto answer = QMessageBox::question(
            this, tr("Unsaved changes"),
            tr("%1 has changes that are not saved. Save them before closing?")
                .arg(QFileInfo(editor->path()).fileName()),
            QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
        if (answer == QMessageBox::Cancel)
            return false;
        if (answer == QMessageBox::Save && !save(editor))
            return false;
    }
    emit editorClosing(editor);
    m_watcher.removePath(editor->path());
    m_recovery.remove(editor->path());
    m_changedSinceRecovery.remove(editor);
    m_tabs->removeTab(m_tabs->indexOf(editor));
    editor->deleteLater();
    return true;
}

bool EditorArea::closeAll() {
    for (CodeEditor *editor : editors())
        if (!close(editor))
            return false;
    return true;
}

void EditorArea::fileChangedOnDisk(const QString &path) {
    CodeEditor *editor = editorFor(path);
    if (!editor)
        return;
    // Editors that save by renaming replace the file: watch the new one.
    if (QFileInfo::exists(path) && !m_watcher.files().contains(path))
        m_watcher.addPath(path);
    if (!QFileInfo::exists(path)) {
        m_banner->showMessage(tr("%1 was deleted on disk. Your text is still here; save it to "
                                 "write it back.")
                                  .arg(QFileInfo(path).fileName()),
                              Banner::Tone::Warning);
        editor->setModified(true);
        return;
    }
    if (QFileInfo(path).lastModified().toMSecsSinceEpoch() == editor->lastModifiedOnDisk())
        return;
    if (!editor->isModified()) {
        editor->reload();
        emit message(tr("Reloaded %1: it changed on disk").arg(QFileInfo(path).fileName()));
        return;
    }
    m_banner->showMessage(
        tr("%1 changed on disk, and you have unsaved changes in it.")
            .arg(QFileInfo(path).fileName()),
        Banner::Tone::Warning,
        {{tr("Reload from Disk"), [editor] { editor->reload(); }}, {tr("Keep My Changes"), [] {}}});
}

void EditorArea::writeRecovery() {
    for (CodeEditor *editor : std::as_const(m_changedSinceRecovery))
        if (editors().contains(editor) && editor->isModified())
            m_recovery.write(editor->path(), editor->text());
    m_changedSinceRecovery.clear();
}

void EditorArea::offerRecovery() {
    const auto entries = m_recovery.entries();
    if (entries.isEmpty())
        return;
    QStringList names;
    for (const auto &e : entries)
        names.append(QDir(m_projectDir).relativeFilePath(e.path));
    m_banner->showMessage(
        tr("Unsaved changes from the last session were recovered: %1.").arg(names.join(", ")),
        Banner::Tone::Warning,
        {{tr("Restore"),
          [this, entries] {
              for (const auto &e : entries) {
                  CodeEditor *editor = open(e.path);
                  if (!editor)
                      continue;
                  editor->setText(e.text);
                  editor->setModified(true);
              }
          }},
         {tr("Discard"), [this] { m_recovery.clear(); }}});
}

} // namespace nimbus::studio
