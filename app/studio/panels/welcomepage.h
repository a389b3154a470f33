#pragma once

#include <QWidget>

class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace nimbus::studio {

// What the Studio shows without a project: open a folder, reopen a recent project, or
// start a new one from `nimbus init`'s templates.
class WelcomePage : public QWidget {
    Q_OBJECT
public:
    WelcomePage(const QStringList &recentProjects, const QString &nimbusProgram,
                QWidget *parent = nullptr);

    QListWidget *recent() const { return m_recent; }
    QListWidget *templates() const { return m_templates; }
    QLineEdit *folder() const { return m_folder; }
    // Runs `nimbus init --template T FOLDER`; openProject follows when it succeeds.
    void createProject();

signals:
    void openFolderRequested();
    void openProject(const QString &path);

private:
    QString m_nimbus;
    QListWidget *m_recent;
    QListWidget *m_templates;
    QLineEdit *m_folder;
    QPushButton *m_create;
    QLabel *m_message;
};

} // namespace nimbus::studio
