#include "gitpanel.h"

#include "section.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QStackedWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace nimbus::studio {

namespace {

enum Group { StagedGroup, ChangesGroup, UntrackedGroup };
enum Role { PathRole = Qt::UserRole, StagedRole, OldPathRole, CommitIdRole };
const int fileColumn = 0;
const int statusColumn = 1;

QString fromStd(const std::string &text) {
    return QString::fromStdString(text);
}

QString letter(git::Change change) {
    switch (change) {
    case git::Change::Added:
        return "A";
    case git::Change::Modified:
        return "M";
    case git::Change::Deleted:
        return "D";
    case git::Change::Renamed:
        return "R";
    case git::Change::TypeChange:
        return "T";
    case git::Change::Untracked:
        return "U";
    case git::Change::Conflicted:
        return "C";
    case git::Change::None:
        break;
    }
    return {};
}

QString describeChange(git::Change change) {
    switch (change) {
    case git::Change::Added:
        return QObject::tr("Added");
    case git::Change::Modified:
        return QObject::tr("Modified");
    case git::Change::Deleted:
        return QObject::tr("Deleted");
    case git::Change::Renamed:
        return QObject::tr("Renamed");
    case git::Change::TypeChange:
        return QObject::tr("Type changed");
    case git::Change::Untracked:
        return QObject::tr("Untracked");
    case git::Change::Conflicted:
        return QObject::tr("Conflicted");
    case git::Change::None:
        break;
    }
    return {};
}

QColor letterColor(git::Change change) {
    switch (change) {
    case git::Change::Added:
    case git::Change::Untracked:
        return QColor("#26803c");
    case git::Change::Deleted:
    case git::Change::Conflicted:
        return QColor("#c01c28");
    case git::Change::Renamed:
        return QColor("#1c71d8");
    default:
        return QColor("#9c6500");
    }
}

QString whenText(long long seconds) {
    const qint64 age = QDateTime::currentSecsSinceEpoch() - seconds;
    auto ago = [](qint64 n, const QString &one, const QString &many) {
        return n == 1 ? one : many.arg(n);
    };
    if (age < 60)
        return QObject::tr("just now");
    if (age < 3600)
        return ago(age / 60, QObject::tr("1 minute ago"), QObject::tr("%1 minutes ago"));
    if (age < 86400)
        return ago(age / 3600, QObject::tr("1 hour ago"), QObject::tr("%1 hours ago"));
    if (age < 7 * 86400)
        return ago(age / 86400, QObject::tr("yesterday"), QObject::tr("%1 days ago"));
    return QDateTime::fromSecsSinceEpoch(seconds).toString("yyyy-MM-dd");
}

void syncScrolling(QScrollBar *a, QScrollBar *b) {
    QObject::connect(a, &QScrollBar::valueChanged, b, &QScrollBar::setValue);
    QObject::connect(b, &QScrollBar::valueChanged, a, &QScrollBar::setValue);
}

QPushButton *button(const QString &text, const QString &objectName, QWidget *parent) {
    auto *b = new QPushButton(text, parent);
    b->setObjectName(objectName);
    b->setAccessibleName(QString(text).remove('&'));
    return b;
}

} // namespace

GitPanel::GitPanel(QString projectDir, QWidget *parent)
    : QWidget(parent)
    , m_projectDir(std::move(projectDir)) {
    setAccessibleName(tr("Source Control"));
    createActions();
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_pages = new QStackedWidget(this);
    m_pages->addWidget(createEmptyState());
    m_pages->addWidget(createRepositoryView());
    layout->addWidget(m_pages);
    refresh();
}

GitPanel::~GitPanel() = default;

void GitPanel::createActions() {
    m_stageAction = new QAction(tr("Stage"), this);
    m_stageAction->setToolTip(tr("Stage the selected files for the next commit"));
    m_unstageAction = new QAction(tr("Unstage"), this);
    m_unstageAction->setToolTip(tr("Take the selected files out of the next commit"));
    m_stageAllAction = new QAction(tr("Stage All"), this);
    m_unstageAllAction = new QAction(tr("Unstage All"), this);
    connect(m_stageAction, &QAction::triggered, this, [this] {
        QStringList paths;
        for (const Selected &s : selectedFiles())
            if (!s.staged)
                paths << s.path;
        stagePaths(paths);
    });
    connect(m_unstageAction, &QAction::triggered, this, [this] {
        QStringList paths;
        for (const Selected &s : selectedFiles())
            if (s.staged)
                paths << s.path;
        unstagePaths(paths);
    });
    connect(m_stageAllAction, &QAction::triggered, this,
            [this] { stagePaths(pathsIn(ChangesGroup) + pathsIn(UntrackedGroup)); });
    connect(m_unstageAllAction, &QAction::triggered, this,
            [this] { unstagePaths(pathsIn(StagedGroup)); });
}

QWidget *GitPanel::createEmptyState() {
    auto *page = new QWidget(this);
    auto *layout = new QVBoxLayout(page);
    layout->addStretch(1);
    auto *title = new QLabel(tr("This project is not a git repository."), page);
    title->setAlignment(Qt::AlignCenter);
    title->setWordWrap(true);
    QFont bold = title->font();
    bold.setBold(true);
    title->setFont(bold);
    auto *hint = new QLabel(
        tr("Initialize one to track your changes and link each deployment to its commit."), page);
    hint->setAlignment(Qt::AlignCenter);
    hint->setWordWrap(true);
    m_init = button(tr("Initialize Repository"), "gitInitButton", page);
    m_initError = new QLabel(page);
    m_initError->setWordWrap(true);
    m_initError->setAlignment(Qt::AlignCenter);
    m_initError->setStyleSheet("color: #c01c28;");
    m_initError->hide();
    layout->addWidget(title);
    layout->addWidget(hint);
    layout->addWidget(m_init, 0, Qt::AlignHCenter);
    layout->addWidget(m_initError);
    layout->addStretch(2);
    connect(m_init, &QPushButton::clicked, this, &GitPanel::initialize);
    return page;
}

QWidget *GitPanel::createRepositoryView() {
    auto *page = new QWidget(this);
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);

    auto *header = new QHBoxLayout();
    header->setContentsMargins(4, 4, 4, 0);
    m_branchLabel = new QLabel(page);
    m_branchLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_branchCombo = new QComboBox(page);
    m_branchCombo->setObjectName("gitBranchCombo");
    m_branchCombo->setAccessibleName(tr("Branch"));
    m_branchCombo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_switch = button(tr("Switch"), "gitSwitchButton", page);
    m_switch->setAccessibleName(tr("Switch Branch"));
    m_switch->setToolTip(tr("Check out the branch chosen in the list"));
    auto *refreshButton = button(tr("Refresh"), "gitRefreshButton", page);
    header->addWidget(m_branchLabel, 1);
    header->addWidget(m_branchCombo);
    header->addWidget(m_switch);
    header->addWidget(refreshButton);
    layout->addLayout(header);

    m_status = new QLabel(page);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setContentsMargins(4, 0, 4, 0);
    m_status->hide();
    layout->addWidget(m_status);

    m_splitter = new QSplitter(Qt::Horizontal, page);
    m_splitter->setObjectName("gitSplitter");
    m_splitter->setChildrenCollapsible(false);
    auto *left = new QSplitter(Qt::Vertical, m_splitter);
    left->setObjectName("gitLeftSplitter");
    left->setChildrenCollapsible(false);
    left->addWidget(createChangesSection(left));
    m_log = new QTreeWidget(this);
    m_log->setObjectName("gitLogView");
    m_log->setAccessibleName(tr("Last commits"));
    m_log->setHeaderLabels({tr("Commit"), tr("Message"), tr("Author"), tr("Date")});
    m_log->setRootIsDecorated(false);
    m_log->setUniformRowHeights(true);
    m_log->setAlternatingRowColors(true);
    m_log->header()->setStretchLastSection(false);
    m_log->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_log->header()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_log->header()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    m_log->header()->setSectionResizeMode(3, QHeaderView::ResizeToContents);
    left->addWidget(titledSection(tr("Last Commits"), m_log, left));
    left->setStretchFactor(0, 3);
    left->setStretchFactor(1, 2);
    m_splitter->addWidget(left);
    m_splitter->addWidget(createDiffSection(m_splitter));
    m_splitter->setStretchFactor(0, 2);
    m_splitter->setStretchFactor(1, 3);
    layout->addWidget(m_splitter, 1);

    connect(refreshButton, &QPushButton::clicked, this, &GitPanel::refresh);
    connect(m_switch, &QPushButton::clicked, this, &GitPanel::switchBranch);
    connect(m_branchCombo, &QComboBox::currentIndexChanged, this, &GitPanel::updateActions);
    return page;
}

QWidget *GitPanel::createChangesSection(QWidget *parent) {
    auto *section = new QWidget(parent);
    auto *layout = new QVBoxLayout(section);
    layout->setContentsMargins(4, 4, 4, 0);
    layout->addWidget(createCommitSection(section));

    m_changes = new QTreeWidget(section);
    m_changes->setObjectName("gitChangesView");
    m_changes->setAccessibleName(tr("Changes"));
    m_changes->setColumnCount(2);
    m_changes->setHeaderHidden(true);
    m_changes->setUniformRowHeights(true);
    m_changes->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_changes->setExpandsOnDoubleClick(false);
    m_changes->header()->setStretchLastSection(false);
    m_changes->header()->setSectionResizeMode(fileColumn, QHeaderView::Stretch);
    m_changes->header()->setSectionResizeMode(statusColumn, QHeaderView::ResizeToContents);
    m_changes->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_changes->addActions({m_stageAction, m_unstageAction, m_stageAllAction, m_unstageAllAction});
    // Room for a few files even when the panel is stacked in a narrow dock.
    m_changes->setMinimumHeight(m_changes->fontMetrics().height() * 7);
    auto *title = new QLabel("<b>" + tr("Changed Files") + "</b>", section);
    title->setBuddy(m_changes);
    layout->addWidget(title);
    layout->addWidget(m_changes, 1);

    auto *buttons = new QHBoxLayout();
    m_stage = button(tr("Stage"), "gitStageButton", section);
    m_unstage = button(tr("Unstage"), "gitUnstageButton", section);
    auto *stageAll = button(tr("Stage All"), "gitStageAllButton", section);
    auto *unstageAll = button(tr("Unstage All"), "gitUnstageAllButton", section);
    const std::pair<QPushButton *, QAction *> pairs[] = {{m_stage, m_stageAction},
                                                         {m_unstage, m_unstageAction},
                                                         {stageAll, m_stageAllAction},
                                                         {unstageAll, m_unstageAllAction}};
    for (auto [b, action] : pairs) {
        b->setToolTip(action->toolTip());
        connect(b, &QPushButton::clicked, action, &QAction::trigger);
        connect(action, &QAction::changed, b, [b, action] { b->setEnabled(action->isEnabled()); });
        buttons->addWidget(b);
    }
    buttons->addStretch(1);
    layout->addLayout(buttons);

    connect(m_changes, &QTreeWidget::itemSelectionChanged, this, [this] {
        showDiff();
        updateActions();
    });
    // Not itemActivated: styles that activate on a single click would stage on every click.
    connect(m_changes, &QTreeWidget::itemDoubleClicked, this,
            [this](QTreeWidgetItem *item) { toggle(item); });
    m_changes->installEventFilter(this);
    return section;
}

QWidget *GitPanel::createCommitSection(QWidget *parent) {
    auto *section = new QWidget(parent);
    auto *layout = new QVBoxLayout(section);
    layout->setContentsMargins(0, 0, 0, 0);
    m_message = new QPlainTextEdit(section);
    m_message->setObjectName("gitMessageEdit");
    m_message->setAccessibleName(tr("Commit message"));
    m_message->setPlaceholderText(tr("Message (Ctrl+Enter to commit)"));
    m_message->setTabChangesFocus(true);
    m_message->setFixedHeight(m_message->fontMetrics().lineSpacing() * 4 + 12);
    m_message->installEventFilter(this);
    m_commit = button(tr("Commit"), "gitCommitButton", section);
    m_commit->setToolTip(tr("Commit the staged changes (Ctrl+Enter)"));
    layout->addWidget(m_message);
    layout->addWidget(m_commit);
    connect(m_message, &QPlainTextEdit::textChanged, this, &GitPanel::updateActions);
    connect(m_commit, &QPushButton::clicked, this, &GitPanel::commit);
    return section;
}

QWidget *GitPanel::createDiffSection(QWidget *parent) {
    auto *section = new QWidget(parent);
    auto *layout = new QVBoxLayout(section);
    layout->setContentsMargins(4, 4, 4, 0);
    auto *bar = new QHBoxLayout();
    auto *title = new QLabel("<b>" + tr("Diff") + "</b>", section);
    m_sideBySide = new QCheckBox(tr("Side by side"), section);
    m_sideBySide->setObjectName("gitSideBySideToggle");
    m_sideBySide->setAccessibleName(tr("Side by side"));
    bar->addWidget(title);
    bar->addStretch(1);
    bar->addWidget(m_sideBySide);
    layout->addLayout(bar);

    m_diffPages = new QStackedWidget(section);
    m_diff = new DiffTextView(2, m_diffPages);
    m_diff->setObjectName("gitDiffView");
    m_diff->setAccessibleName(tr("Diff"));
    m_diff->setPlaceholderText(tr("Select a changed file to see its diff."));
    title->setBuddy(m_diff);
    m_diffPages->addWidget(m_diff);
    auto *sides = new QSplitter(Qt::Horizontal, m_diffPages);
    sides->setObjectName("gitSideBySideSplitter");
    m_oldSide = new DiffTextView(1, sides);
    m_oldSide->setObjectName("gitOldSideView");
    m_oldSide->setAccessibleName(tr("Diff, old version"));
    m_newSide = new DiffTextView(1, sides);
    m_newSide->setObjectName("gitNewSideView");
    m_newSide->setAccessibleName(tr("Diff, new version"));
    sides->addWidget(m_oldSide);
    sides->addWidget(m_newSide);
    syncScrolling(m_oldSide->verticalScrollBar(), m_newSide->verticalScrollBar());
    syncScrolling(m_oldSide->horizontalScrollBar(), m_newSide->horizontalScrollBar());
    m_diffPages->addWidget(sides);
    layout->addWidget(m_diffPages, 1);
    connect(m_sideBySide, &QCheckBox::toggled, this, [this](bool on) {
        m_diffPages->setCurrentIndex(on ? 1 : 0);
        showDiff();
    });
    return section;
}

bool GitPanel::eventFilter(QObject *watched, QEvent *event) {
    if (watched == m_message && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if ((key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) &&
            (key->modifiers() & Qt::ControlModifier)) {
            if (m_commit->isEnabled())
                commit();
            return true;
        }
    }
    if (watched == m_changes && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if ((key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) &&
            key->modifiers() == Qt::NoModifier) {
            toggle(m_changes->currentItem());
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

// Wide (a bottom dock): changes and commits beside the diff. Narrow (a side dock): stacked.
void GitPanel::resizeEvent(QResizeEvent *event) {
    QWidget::resizeEvent(event);
    const Qt::Orientation wanted = width() >= 720 ? Qt::Horizontal : Qt::Vertical;
    if (m_splitter->orientation() != wanted)
        m_splitter->setOrientation(wanted);
}

void GitPanel::initialize() {
    std::string error;
    auto repo = git::Repository::init(m_projectDir.toStdString(), error);
    if (!repo) {
        m_initError->setText(fromStd(error));
        m_initError->show();
        return;
    }
    m_initError->hide();
    m_repo = std::move(repo);
    showInfo(tr("Initialized an empty git repository in %1.")
                 .arg(QDir::toNativeSeparators(fromStd(m_repo->workdir()))));
    refresh();
    emit changed();
}

void GitPanel::showError(const QString &text) {
    m_status->setStyleSheet("color: #c01c28;");
    m_status->setText(text.isEmpty() ? text : text.at(0).toUpper() + text.mid(1));
    m_status->setVisible(!text.isEmpty());
}

void GitPanel::showInfo(const QString &text) {
    m_status->setStyleSheet(QString());
    m_status->setText(text);
    m_status->setVisible(!text.isEmpty());
}

void GitPanel::refresh() {
    // The repository may have been created, or its .git removed, behind our back.
    if (m_repo && !QFileInfo::exists(fromStd(m_repo->workdir()) + ".git"))
        m_repo.reset();
    if (!m_repo) {
        std::string error;
        m_repo = git::Repository::open(m_projectDir.toStdString(), error);
    }
    if (!m_repo) {
        m_pages->setCurrentIndex(0);
        return;
    }
    m_pages->setCurrentIndex(1);
    refreshBranch();
    refreshChanges();
    refreshLog();
    showDiff();
    updateActions();
}

void GitPanel::refreshBranch() {
    std::string error;
    const git::BranchInfo branch = m_repo->branch(error);
    if (!error.empty())
        showError(fromStd(error));
    m_currentBranch = branch.detached ? QString() : fromStd(branch.name);
    QString text;
    if (branch.detached)
        text = tr("HEAD detached at %1").arg(fromStd(branch.name));
    else if (branch.unborn)
        text = tr("%1 — no commits yet").arg(fromStd(branch.name));
    else if (branch.upstream.empty())
        text = tr("%1 (no upstream)").arg(fromStd(branch.name));
    else
        text = QString("%1 → %2 ↑%3 ↓%4")
                   .arg(fromStd(branch.name), fromStd(branch.upstream))
                   .arg(branch.ahead)
                   .arg(branch.behind);
    m_branchLabel->setText(text);

    QStringList names;
    for (const std::string &name : m_repo->branches(error))
        names << fromStd(name);
    if (!m_currentBranch.isEmpty() && !names.contains(m_currentBranch))
        names << m_currentBranch; // unborn: the branch has no ref yet
    const QSignalBlocker blocker(m_branchCombo);
    m_branchCombo->clear();
    m_branchCombo->addItems(names);
    m_branchCombo->setCurrentIndex(names.indexOf(m_currentBranch));
}

void GitPanel::refreshChanges() {
    QList<Selected> keep = selectedFiles();
    std::string error;
    const auto entries = m_repo->status(error);
    if (!error.empty())
        showError(fromStd(error));

    const QSignalBlocker blocker(m_changes);
    m_changes->clear();
    const QString titles[] = {tr("Staged Changes"), tr("Changes"), tr("Untracked")};
    QTreeWidgetItem *groups[3] = {};
    auto group = [&](int which) {
        if (!groups[which]) {
            auto *item = new QTreeWidgetItem(QStringList{titles[which]});
            item->setFlags(Qt::ItemIsEnabled);
            QFont bold = item->font(fileColumn);
            bold.setBold(true);
            item->setFont(fileColumn, bold);
            groups[which] = item;
        }
        return groups[which];
    };
    auto add = [&](int which, const git::StatusEntry &entry, git::Change change) {
        const QString path = fromStd(entry.path);
        QString shown = path;
        if (!entry.oldPath.empty() && which == StagedGroup)
            shown = tr("%1 ← %2").arg(path, fromStd(entry.oldPath));
        auto *item = new QTreeWidgetItem(group(which), QStringList{shown, letter(change)});
        item->setData(fileColumn, PathRole, path);
        item->setData(fileColumn, StagedRole, which == StagedGroup);
        item->setData(fileColumn, OldPathRole, fromStd(entry.oldPath));
        item->setForeground(statusColumn, letterColor(change));
        item->setTextAlignment(statusColumn, Qt::AlignCenter);
        item->setToolTip(fileColumn, tr("%1 — %2").arg(path, describeChange(change)));
        item->setToolTip(statusColumn, describeChange(change));
    };
    for (const git::StatusEntry &entry : entries) {
        if (entry.staged != git::Change::None)
            add(StagedGroup, entry, entry.staged);
        if (entry.unstaged == git::Change::Untracked)
            add(UntrackedGroup, entry, entry.unstaged);
        else if (entry.unstaged != git::Change::None)
            add(ChangesGroup, entry, entry.unstaged);
    }
    for (int which = 0; which < 3; ++which) {
        if (!groups[which])
            continue;
        groups[which]->setText(statusColumn, QString::number(groups[which]->childCount()));
        m_changes->addTopLevelItem(groups[which]);
        groups[which]->setExpanded(true);
    }
    if (entries.empty()) {
        auto *none = new QTreeWidgetItem(QStringList{tr("No changes: the files match the last "
                                                        "commit.")});
        none->setFlags(Qt::ItemIsEnabled);
        none->setForeground(fileColumn, palette().color(QPalette::PlaceholderText));
        m_changes->addTopLevelItem(none);
    }
    QTreeWidgetItem *current = nullptr;
    for (QTreeWidgetItemIterator it(m_changes); *it; ++it) {
        for (const Selected &s : keep) {
            if ((*it)->data(fileColumn, PathRole).toString() == s.path &&
                (*it)->data(fileColumn, StagedRole).toBool() == s.staged) {
                (*it)->setSelected(true);
                if (!current)
                    current = *it;
            }
        }
    }
    if (current)
        m_changes->setCurrentItem(current, fileColumn, QItemSelectionModel::NoUpdate);
}

void GitPanel::refreshLog() {
    const QString selected =
        m_log->currentItem() ? m_log->currentItem()->data(0, CommitIdRole).toString() : QString();
    std::string error;
    const auto commits = m_repo->log(m_logLimit, error);
    if (!error.empty())
        showError(fromStd(error));
    m_log->clear();
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    for (const git::CommitInfo &c : commits) {
        const QDateTime when = QDateTime::fromSecsSinceEpoch(c.time);
        auto *item = new QTreeWidgetItem(m_log, QStringList{fromStd(c.shortId), fromStd(c.summary),
                                                            fromStd(c.author), whenText(c.time)});
        item->setFont(0, mono);
        item->setData(0, CommitIdRole, fromStd(c.id));
        const QString tip = QString("%1\n%2 <%3>\n%4\n\n%5")
                                .arg(fromStd(c.id), fromStd(c.author), fromStd(c.email),
                                     when.toString(Qt::ISODate), fromStd(c.message));
        for (int column = 0; column < 4; ++column)
            item->setToolTip(column, tip);
        if (fromStd(c.id) == selected)
            m_log->setCurrentItem(item);
    }
}

void GitPanel::showDiff() {
    const auto items = m_changes->selectedItems();
    QTreeWidgetItem *item = m_changes->currentItem();
    if (!item || !item->isSelected())
        item = items.isEmpty() ? nullptr : items.first();
    const bool sideBySide = m_sideBySide->isChecked();
    auto message = [&](const QString &text) {
        showMessage(m_diff, text);
        showMessage(m_oldSide, text);
        showMessage(m_newSide, QString());
    };
    if (!m_repo || !item || item->data(fileColumn, PathRole).isNull()) {
        message(QString());
        return;
    }
    const QString path = item->data(fileColumn, PathRole).toString();
    std::string error;
    const auto diff =
        m_repo->diff(path.toStdString(), item->data(fileColumn, StagedRole).toBool(), error);
    if (!diff) {
        message(fromStd(error));
        return;
    }
    if (diff->binary) {
        message(tr("Binary file"));
        return;
    }
    if (diff->hunks.empty()) {
        message(tr("No changes"));
        return;
    }
    if (sideBySide)
        showSideBySide(m_oldSide, m_newSide, *diff, palette());
    else
        showInline(m_diff, *diff, palette());
}

void GitPanel::updateActions() {
    bool anyStaged = false;
    bool anyUnstaged = false;
    for (const Selected &s : selectedFiles())
        (s.staged ? anyStaged : anyUnstaged) = true;
    const bool hasStaged = !pathsIn(StagedGroup).isEmpty();
    m_stageAction->setEnabled(anyUnstaged);
    m_unstageAction->setEnabled(anyStaged);
    m_stageAllAction->setEnabled(!pathsIn(ChangesGroup).isEmpty() ||
                                 !pathsIn(UntrackedGroup).isEmpty());
    m_unstageAllAction->setEnabled(hasStaged);
    m_commit->setEnabled(m_repo && hasStaged && !m_message->toPlainText().trimmed().isEmpty());
    const QString chosen = m_branchCombo->currentText();
    m_switch->setEnabled(m_repo && !chosen.isEmpty() && chosen != m_currentBranch);
}

QList<GitPanel::Selected> GitPanel::selectedFiles() const {
    QList<Selected> files;
    for (const QTreeWidgetItem *item : m_changes->selectedItems())
        if (!item->data(fileColumn, PathRole).isNull())
            files.append({item->data(fileColumn, PathRole).toString(),
                          item->data(fileColumn, StagedRole).toBool()});
    return files;
}

QStringList GitPanel::pathsIn(int group) const {
    const QString titles[] = {tr("Staged Changes"), tr("Changes"), tr("Untracked")};
    QStringList paths;
    for (int i = 0; i < m_changes->topLevelItemCount(); ++i) {
        const QTreeWidgetItem *top = m_changes->topLevelItem(i);
        if (top->text(fileColumn) != titles[group])
            continue;
        for (int c = 0; c < top->childCount(); ++c) {
            paths << top->child(c)->data(fileColumn, PathRole).toString();
            const QString old = top->child(c)->data(fileColumn, OldPathRole).toString();
            if (!old.isEmpty())
                paths << old; // unstaging a rename puts the old file back too
        }
    }
    return paths;
}

void GitPanel::stagePaths(const QStringList &paths) {
    setStaged(paths, true);
}

void GitPanel::unstagePaths(const QStringList &paths) {
    setStaged(paths, false);
}

void GitPanel::setStaged(const QStringList &paths, bool staged) {
    if (!m_repo || paths.isEmpty())
        return;
    std::vector<std::string> list;
    for (const QString &path : paths)
        list.push_back(path.toStdString());
    std::string error;
    if (!(staged ? m_repo->stage(list, error) : m_repo->unstage(list, error))) {
        showError(fromStd(error));
    } else {
        showInfo(QString());
        // The files move between the groups; the selection follows them.
        const QSignalBlocker blocker(m_changes);
        for (QTreeWidgetItem *item : m_changes->selectedItems())
            item->setData(fileColumn, StagedRole, staged);
    }
    refresh();
    emit changed();
}

void GitPanel::toggle(QTreeWidgetItem *item) {
    if (!item || item->data(fileColumn, PathRole).isNull())
        return;
    const QString path = item->data(fileColumn, PathRole).toString();
    if (!item->isSelected()) {
        m_changes->clearSelection();
        item->setSelected(true);
    }
    if (item->data(fileColumn, StagedRole).toBool()) {
        const QString old = item->data(fileColumn, OldPathRole).toString();
        unstagePaths(old.isEmpty() ? QStringList{path} : QStringList{path, old});
    } else {
        stagePaths({path});
    }
}

void GitPanel::commit() {
    if (!m_repo)
        return;
    std::string error;
    const auto commit = m_repo->commit(m_message->toPlainText().toStdString(), error);
    if (!commit) {
        showError(fromStd(error));
        return;
    }
    m_message->clear();
    showInfo(tr("Committed %1: %2").arg(fromStd(commit->shortId), fromStd(commit->summary)));
    refresh();
    selectCommit(fromStd(commit->id));
    emit committed(fromStd(commit->shortId));
    emit changed();
}

void GitPanel::switchBranch() {
    const QString name = m_branchCombo->currentText();
    if (!m_repo || name.isEmpty() || name == m_currentBranch)
        return;
    std::string error;
    if (m_repo->switchBranch(name.toStdString(), error)) {
        showInfo(tr("Switched to %1.").arg(name));
        emit changed();
    } else {
        showError(fromStd(error));
    }
    refresh();
}

bool GitPanel::selectCommit(const QString &id) {
    const QString wanted = id.trimmed().toLower();
    if (!m_repo || wanted.isEmpty())
        return false;
    std::string error;
    const auto commit = m_repo->findCommit(wanted.toStdString(), error);
    if (!commit)
        return false;
    const QString full = fromStd(commit->id);
    // An older commit than the list shows: read further back until it is there.
    for (;;) {
        for (int i = 0; i < m_log->topLevelItemCount(); ++i) {
            QTreeWidgetItem *item = m_log->topLevelItem(i);
            if (item->data(0, CommitIdRole).toString() == full) {
                m_log->setCurrentItem(item);
                m_log->scrollToItem(item, QAbstractItemView::PositionAtCenter);
                return true;
            }
        }
        if (m_log->topLevelItemCount() < m_logLimit || m_logLimit >= 10000)
            return false;
        m_logLimit *= 4;
        refreshLog();
    }
}

} // namespace nimbus::studio
