#include "commandregistry.h"

#include <QWidget>

namespace nimbus::studio {

CommandRegistry::CommandRegistry(QObject *parent)
    : QObject(parent) {}

QAction *CommandRegistry::add(const QString &id, const QString &category, const QString &text,
                              QWidget *owner, const QKeySequence &shortcut) {
    if (QAction *existing = action(id))
        return existing;
    auto *action = new QAction(text, owner);
    action->setObjectName(id);
    action->setProperty("category", category);
    if (!shortcut.isEmpty()) {
        action->setShortcut(shortcut);
        action->setShortcutContext(Qt::WindowShortcut);
    }
    owner->addAction(action);
    m_actions.append(action);
    return action;
}

QAction *CommandRegistry::action(const QString &id) const {
    for (QAction *a : m_actions)
        if (a->objectName() == id)
            return a;
    return nullptr;
}

QList<QAction *> CommandRegistry::actions() const {
    return m_actions;
}

QString CommandRegistry::paletteTitle(QAction *action) const {
    QString text = action->text();
    text.remove('&');
    text.remove(QStringLiteral("…"));
    const QString category = action->property("category").toString();
    return category.isEmpty() ? text : category + ": " + text;
}

int fuzzyScore(const QString &typed, const QString &text) {
    if (typed.isEmpty())
        return 0;
    int score = 0;
    int position = 0;
    int previous = -2;
    for (const QChar c : typed) {
        if (c.isSpace())
            continue;
        const int found = static_cast<int>(text.indexOf(c, position, Qt::CaseInsensitive));
        if (found < 0)
            return -1;
        score += 10;
        if (found == previous + 1)
            score += 8; // adjacent to the last match
        if (found == 0 || !text[found - 1].isLetterOrNumber())
            score += 6; // the start of a word
        score -= std::min(found - position, 10);
        previous = found;
        position = found + 1;
    }
    return score;
}

} // namespace nimbus::studio
