#pragma once

#include <QAction>
#include <QList>
#include <QObject>

namespace nimbus::studio {

// Every action of the Studio, registered once: menus, toolbars, shortcuts and the command
// palette all show the same QAction, so a command has one name and one shortcut wherever
// it appears.
class CommandRegistry : public QObject {
    Q_OBJECT
public:
    explicit CommandRegistry(QObject *parent = nullptr);

    // Registers (or returns the already registered) action `id`, titled "Category: Text" in
    // the palette. The action's parent is `owner`, whose window the shortcut works in.
    QAction *add(const QString &id, const QString &category, const QString &text, QWidget *owner,
                 const QKeySequence &shortcut = {});
    QAction *action(const QString &id) const;
    QList<QAction *> actions() const;
    QString paletteTitle(QAction *action) const;

private:
    QList<QAction *> m_actions;
};

// How well `text` matches what the user typed, as quick pickers do: every typed character
// in order (case-insensitive), earlier, adjacent and word-start matches scoring higher.
// Returns a negative score when it does not match.
int fuzzyScore(const QString &typed, const QString &text);

} // namespace nimbus::studio
