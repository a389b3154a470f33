#pragma once

#include <QFrame>
#include <functional>

class QLineEdit;
class QListWidget;

namespace nimbus::studio {

class CommandRegistry;

// The quick picker over the window: the command palette (Ctrl+Shift+P, every registered
// action by its name and shortcut) and Quick Open (Ctrl+P, the project's files), filtered
// as the user types. Enter runs the choice; Escape closes.
class CommandPalette : public QFrame {
    Q_OBJECT
public:
    CommandPalette(CommandRegistry *commands, QWidget *window);

    void showCommands();
    // Quick Open: `files` are project-relative paths.
    void showFiles(const QString &projectDir, const QStringList &files);

    QLineEdit *input() const { return m_input; }
    QListWidget *list() const { return m_list; }
    void accept();

signals:
    void openFile(const QString &path);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    enum class Mode { Commands, Files };
    void refill();
    void popup();

    CommandRegistry *m_commands;
    QLineEdit *m_input;
    QListWidget *m_list;
    Mode m_mode = Mode::Commands;
    QString m_projectDir;
    QStringList m_files;
};

} // namespace nimbus::studio
