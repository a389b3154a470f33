#pragma once

#include "diffview.h"
#include "nimbus/git/gitrepository.h"

#include <QPlainTextEdit>
#include <QWidget>
#include <optional>

class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSplitter;
class QStackedWidget;
class QTreeWidget;
class QTreeWidgetItem;

namespace nimbus::studio {

// The Source Control panel for the project's git repository: the branch and its upstream,
// the changes grouped as staged, unstaged and untracked (stage and unstage them), the
// selected file's diff (inline or side by side), a commit box and the last commits. It
// speaks git only through nimbus::git::Repository, and re-reads everything on refresh().
class GitPanel : public QWidget {
    Q_OBJECT
public:
    explicit GitPanel(QString projectDir, QWidget *parent = nullptr);
    ~GitPanel() override;

    // Re-reads the repository (opening it if it appeared): branch, changes, diff and log.
    void refresh();
    // Selects and scrolls to a commit of the log by full or abbreviated id.
    bool selectCommit(const QString &id);

    QPushButton *initButton() const { return m_init; }
    QLabel *branchLabel() const { return m_branchLabel; }
    QComboBox *branchCombo() const { return m_branchCombo; }
    QPushButton *switchButton() const { return m_switch; }
    QLabel *statusLabel() const { return m_status; }
    QTreeWidget *changesView() const { return m_changes; }
    QPushButton *stageButton() const { return m_stage; }
    QPushButton *unstageButton() const { return m_unstage; }
    DiffTextView *diffView() const { return m_diff; }
    DiffTextView *oldSideView() const { return m_oldSide; }
    DiffTextView *newSideView() const { return m_newSide; }
    QCheckBox *sideBySideToggle() const { return m_sideBySide; }
    QPlainTextEdit *messageEdit() const { return m_message; }
    QPushButton *commitButton() const { return m_commit; }
    QTreeWidget *logView() const { return m_log; }

signals:
    void committed(QString shortId);
    void changed(); // the panel changed the repository (staged, committed, switched...)

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    QWidget *createEmptyState();
    QWidget *createRepositoryView();
    QWidget *createChangesSection(QWidget *parent);
    QWidget *createDiffSection(QWidget *parent);
    QWidget *createCommitSection(QWidget *parent);
    void createActions();

    void initialize();
    void showError(const QString &text);
    void showInfo(const QString &text);
    void refreshBranch();
    void refreshChanges();
    void refreshLog();
    void showDiff();
    void updateActions();

    struct Selected {
        QString path;
        bool staged = false;
    };
    QList<Selected> selectedFiles() const;
    QStringList pathsIn(int group) const;
    void stagePaths(const QStringList &paths);
    void unstagePaths(const QStringList &paths);
    void setStaged(const QStringList &paths, bool staged);
    void toggle(QTreeWidgetItem *item);
    void commit();
    void switchBranch();

    QString m_projectDir;
    std::optional<git::Repository> m_repo;
    QString m_currentBranch;
    int m_logLimit = 50;

    QStackedWidget *m_pages;
    QPushButton *m_init;
    QLabel *m_initError;
    QLabel *m_branchLabel;
    QComboBox *m_branchCombo;
    QPushButton *m_switch;
    QLabel *m_status;
    QSplitter *m_splitter;
    QTreeWidget *m_changes;
    QPushButton *m_stage;
    QPushButton *m_unstage;
    QStackedWidget *m_diffPages;
    DiffTextView *m_diff;
    DiffTextView *m_oldSide;
    DiffTextView *m_newSide;
    QCheckBox *m_sideBySide;
    QPlainTextEdit *m_message;
    QPushButton *m_commit;
    QTreeWidget *m_log;
    QAction *m_stageAction;
    QAction *m_unstageAction;
    QAction *m_stageAllAction;
    QAction *m_unstageAllAction;
};

} // namespace nimbus::studio
