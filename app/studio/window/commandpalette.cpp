#include "commandpalette.h"

#include "commandregistry.h"

#include <QKeyEvent>
#include <QLineEdit>
#include <QListWidget>
#include <QVBoxLayout>
#include <algorithm>

namespace nimbus::studio {

namespace {
constexpr int kMaxRows = 200;
}

CommandPalette::CommandPalette(CommandRegistry *commands, QWidget *window)
    : QFrame(window)
    , m_commands(commands) {
    setObjectName("commandPalette");
    setAccessibleName(tr("Command Palette"));
    setFrameShape(QFrame::StyledPanel);
    setStyleSheet(
        "QFrame#commandPalette { background: palette(window); border: 1px solid #8a8a8a; }");
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    m_input = new QLineEdit(this);
    m_input->setAccessibleName(tr("Command or file"));
    m_list = new QListWidget(this);
    m_list->setAccessibleName(tr("Matches"));
    m_list->setUniformItemSizes(true);
    layout->addWidget(m_input);
    layout->addWidget(m_list);
    connect(m_input, &QLineEdit::textChanged, this, &CommandPalette::refill);
    connect(m_input, &QLineEdit::returnPressed, this, &CommandPalette::accept);
    connect(m_list, &QListWidget::itemActivated, this, &CommandPalette::accept);
    m_input->installEventFilter(this);
    hide();
}

void CommandPalette::popup() {
    QWidget *window = parentWidget();
    const int width = std::min(640, window->width() - 40);
    setGeometry((window->width() - width) / 2, 48, width, std::min(420, window->height() - 80));
    m_input->clear();
    refill();
    show();
    raise();
    m_input->setFocus();
}

void CommandPalette::showCommands() {
    m_mode = Mode::Commands;
    m_input->setPlaceholderText(tr("Type a command"));
    popup();
}

void CommandPalette::showFiles(const QString &projectDir, const QStringList &files) {
    m_mode = Mode::Files;
    m_projectDir = projectDir;
    m_files = files;
    m_input->setPlaceholderText(tr("Type a file name"));
    popup();
}

void CommandPalette::refill() {
    const QString typed = m_input->text();
    struct Row {
        int score;
        QString text;
        QVariant data;
    };
    std::vector<Row> rows;
    if (m_mode == Mode::Commands) {
        for (QAction *action : m_commands->actions()) {
            if (!action->isEnabled())
                continue;
            const QString title = m_commands->paletteTitle(action);
            const int score = fuzzyScore(typed, title);
            if (score < 0)
                continue;
            QString text = title;
            if (!action->shortcut().isEmpty())
                text += "    " + action->shortcut().toString(QKeySequence::NativeText);
            rows.push_back({score, text, action->objectName()});
        }
    } else {
        for (const QString &file : m_files) {
            // Scored on the file name first, then on the whole path.
            const int name = fuzzyScore(typed, file.section('/', -1));
            const int score = name >= 0 ? name + 20 : fuzzyScore(typed, file);
            if (score >= 0)
                rows.push_back({score, file, file});
        }
    }
    std::stable_sort(rows.begin(), rows.end(),
                     [](const Row &a, const Row &b) { return a.score > b.score; });
    m_list->clear();
    for (std::size_t i = 0; i < rows.size() && i < kMaxRows; ++i) {
        auto *item = new QListWidgetItem(rows[i].text, m_list);
        item->setData(Qt::UserRole, rows[i].data);
    }
    m_list->setCurrentRow(0);
}

void CommandPalette::accept() {
    QListWidgetItem *item = m_list->currentItem();
    hide();
    if (!item)
        return;
    const QString data = item->data(Qt::UserRole).toString();
    if (m_mode == Mode::Files) {
        emit openFile(m_projectDir + "/" + data);
        return;
    }
    if (QAction *action = m_commands->action(data))
        action->trigger();
}

bool CommandPalette::eventFilter(QObject *watched, QEvent *event) {
    if (watched == m_input && event->type() == QEvent::KeyPress) {
        auto *key = static_cast<QKeyEvent *>(event);
        if (key->key() == Qt::Key_Escape) {
            hide();
            return true;
        }
        if (key->key() == Qt::Key_Down || key->key() == Qt::Key_Up) {
            const int row = m_list->currentRow() + (key->key() == Qt::Key_Down ? 1 : -1);
            m_list->setCurrentRow(std::clamp(row, 0, std::max(0, m_list->count() - 1)));
            return true;
        }
    }
    if (watched == m_input && event->type() == QEvent::FocusOut && !m_list->hasFocus())
        QMetaObject::invokeMethod(
            this,
            [this] {
                if (!m_input->hasFocus() && !m_list->hasFocus())
                    hide();
            },
            Qt::QueuedConnection);
    return QFrame::eventFilter(watched, event);
}

} // namespace nimbus::studio
