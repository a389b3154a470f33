#include "welcomepage.h"

#include "nimbus/resources/resourcelocator.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProcess>
#include <QPushButton>
#include <QVBoxLayout>

namespace nimbus::studio {

namespace {

// The first line of a template's README, without its "# ".
QString describeTemplate(const QString &dir) {
    QFile readme(dir + "/README.md");
    if (!readme.open(QIODevice::ReadOnly))
        return {};
    QString first = QString::fromUtf8(readme.readLine()).trimmed();
    if (first.startsWith('#'))
        first = first.mid(first.indexOf(' ') + 1);
    return first;
}

} // namespace

WelcomePage::WelcomePage(const QStringList &recentProjects, const QString &nimbusProgram,
                         QWidget *parent)
    : QWidget(parent)
    , m_nimbus(nimbusProgram) {
    setAccessibleName(tr("Welcome"));
    // The content keeps a readable width, centred, however wide the window.
    auto *centring = new QHBoxLayout(this);
    auto *content = new QWidget(this);
    content->setMaximumWidth(1100);
    centring->addStretch();
    centring->addWidget(content, 100);
    centring->addStretch();
    auto *outer = new QVBoxLayout(content);
    outer->setContentsMargins(32, 24, 32, 24);
    auto *title = new QLabel(tr("<h1>Nimbus Studio</h1><p>Write serverless functions, run them on "
                                "the local simulator, watch them run.</p>"),
                             this);
    outer->addWidget(title);
    auto *grid = new QGridLayout();
    grid->setHorizontalSpacing(32);
    outer->addLayout(grid, 1);

    auto *start = new QVBoxLayout();
    start->addWidget(new QLabel(tr("<h3>Start</h3>"), this));
    auto *open = new QPushButton(tr("Open Folder…"), this);
    open->setAccessibleName(tr("Open Folder…"));
    connect(open, &QPushButton::clicked, this, &WelcomePage::openFolderRequested);
    start->addWidget(open);
    auto *recentLabel = new QLabel(tr("<h3>Recent projects</h3>"), this);
    start->addWidget(recentLabel);
    m_recent = new QListWidget(this);
    m_recent->setAccessibleName(tr("Recent projects"));
    m_recent->setSpacing(3);
    recentLabel->setBuddy(m_recent);
    for (const QString &path : recentProjects) {
        auto *item = new QListWidgetItem(QFileInfo(path).fileName() + "  —  " + path, m_recent);
        item->setData(Qt::UserRole, path);
        item->setToolTip(path);
    }
    if (recentProjects.isEmpty()) {
        auto *item = new QListWidgetItem(tr("No recent projects yet"), m_recent);
        item->setFlags(Qt::NoItemFlags);
    }
    connect(m_recent, &QListWidget::itemActivated, this, [this](QListWidgetItem *item) {
        const QString path = item->data(Qt::UserRole).toString();
        if (!path.isEmpty())
            emit openProject(path);
    });
    start->addWidget(m_recent, 1);
    grid->addLayout(start, 0, 0);

    auto *create = new QVBoxLayout();
    auto *newLabel = new QLabel(tr("<h3>New project from a template</h3>"), this);
    create->addWidget(newLabel);
    m_templates = new QListWidget(this);
    m_templates->setAccessibleName(tr("Templates"));
    newLabel->setBuddy(m_templates);
    const QDir templates(QString::fromStdString(resources::resourcePath("templates")));
    for (const QFileInfo &dir :
         templates.entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
        const QString description = describeTemplate(dir.absoluteFilePath());
        auto *item = new QListWidgetItem(
            dir.fileName() + (description.isEmpty() ? QString() : "\n    " + description),
            m_templates);
        item->setData(Qt::UserRole, dir.fileName());
    }
    m_templates->setSpacing(3);
    // The template `nimbus init` uses by default is the suggested one.
    const auto defaults = m_templates->findItems("python-event", Qt::MatchStartsWith);
    m_templates->setCurrentItem(defaults.isEmpty() ? m_templates->item(0) : defaults.first());
    create->addWidget(m_templates, 1);
    auto *where = new QHBoxLayout();
    auto *folderLabel = new QLabel(tr("&Folder:"), this);
    // A folder that does not exist yet: `nimbus init` writes only into new or empty ones.
    QString suggested = QDir::homePath() + "/my-functions";
    for (int n = 2; QFileInfo::exists(suggested); ++n)
        suggested = QDir::homePath() + "/my-functions-" + QString::number(n);
    m_folder = new QLineEdit(suggested, this);
    m_folder->setAccessibleName(tr("Folder"));
    folderLabel->setBuddy(m_folder);
    auto *browse = new QPushButton(tr("Browse…"), this);
    browse->setAccessibleName(tr("Browse…"));
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir =
            QFileDialog::getExistingDirectory(this, tr("Parent folder"), QDir::homePath());
        if (!dir.isEmpty())
            m_folder->setText(dir + "/my-functions");
    });
    where->addWidget(folderLabel);
    where->addWidget(m_folder, 1);
    where->addWidget(browse);
    create->addLayout(where);
    m_create = new QPushButton(tr("Create Project"), this);
    m_create->setAccessibleName(tr("Create Project"));
    connect(m_create, &QPushButton::clicked, this, &WelcomePage::createProject);
    create->addWidget(m_create);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    create->addWidget(m_message);
    grid->addLayout(create, 0, 1);
}

void WelcomePage::createProject() {
    const QListWidgetItem *item = m_templates->currentItem();
    const QString folder = m_folder->text().trimmed();
    if (!item || folder.isEmpty()) {
        m_message->setText(tr("Choose a template and a folder for the new project."));
        return;
    }
    auto *process = new QProcess(this);
    process->setProgram(m_nimbus);
    process->setArguments({"init", "--template", item->data(Qt::UserRole).toString(), folder});
    process->setProcessChannelMode(QProcess::MergedChannels);
    m_create->setEnabled(false);
    m_message->setText(tr("Creating %1…").arg(folder));
    connect(process, &QProcess::finished, this, [this, process, folder](int code) {
        process->deleteLater();
        m_create->setEnabled(true);
        const QString said = QString::fromUtf8(process->readAll()).trimmed();
        if (code != 0) {
            m_message->setText(said.isEmpty() ? tr("nimbus init failed (exit code %1)").arg(code)
                                              : said);
            return;
        }
        m_message->setText(said);
        emit openProject(QFileInfo(folder).absoluteFilePath());
    });
    connect(process, &QProcess::errorOccurred, this, [this, process](QProcess::ProcessError) {
        m_create->setEnabled(true);
        m_message->setText(tr("cannot run %1: %2").arg(m_nimbus, process->errorString()));
    });
    process->start();
}

} // namespace nimbus::studio
