#pragma once

#include "codeeditor.h"
#include "recoverystore.h"

#include <QFileSystemWatcher>
#include <QTimer>
#include <QWidget>
#include <memory>

class QTabWidget;

namespace nimbus::studio {

class Banner;

// The editors, one tab per open file: opening (at a line), saving, closing with a question
// when there are unsaved changes, a "•" on the tabs of modified files, reloading files that
// changed on disk (asking first when the buffer has changes of its own), and unsaved text
// kept in a RecoveryStore until it is saved.
class EditorArea : public QWidget {
    Q_OBJECT
public:
    EditorArea(const QString &projectDir, QWidget *parent = nullptr);

    // Opens `path` (or shows it if open), at `line`/`column` when line >= 0.
    CodeEditor *open(const QString &path, int line = -1, int column = 0);
    CodeEditor *current() const;
    CodeEditor *editorFor(const QString &path) const;
    QList<CodeEditor *> editors() const;
    QStringList openFiles() const;
    bool hasUnsavedChanges() const;

    bool save(CodeEditor *editor);
    bool saveCurrent() { return current() && save(current()); }
    bool saveAll();
    // Closes a tab; asks when it has unsaved changes, unless `force`.
    bool close(CodeEditor *editor, bool force = false);
    bool closeAll();

    // Text the last session left unsaved (RecoveryStore), offered in a banner.
    void offerRecovery();
    RecoveryStore &recovery() { return m_recovery; }
    Banner *banner() const { return m_banner; }

signals:
    void editorOpened(nimbus::studio::CodeEditor *editor);
    void editorClosing(nimbus::studio::CodeEditor *editor);
    void currentEditorChanged(nimbus::studio::CodeEditor *editor);
    void fileSaved(const QString &path);
    void message(const QString &text);

private:
    void updateTabTitle(CodeEditor *editor);
    void fileChangedOnDisk(const QString &path);
    void writeRecovery();

    QString m_projectDir;
    QTabWidget *m_tabs;
    Banner *m_banner;
    QFileSystemWatcher m_watcher;
    RecoveryStore m_recovery;
    QTimer m_recoveryTimer;
    QSet<CodeEditor *> m_changedSinceRecovery;
};

} // namespace nimbus::studio
