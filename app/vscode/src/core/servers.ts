// Where the extension finds nimbus-lsp, nimbus-dap, nimbus-sim and nimbus: bundled in the
// extension (server/bin, with their data in server/share/nimbus), or a folder the user names
// in the nimbus.serverPath setting (a build folder's bin/, an installed prefix's bin/).
import * as path from 'path';

export interface ServerSettings {
    serverPath: string;    // nimbus.serverPath: '' for the bundled servers
    resourcesPath: string; // nimbus.resourcesPath: '' to let the servers find their own
}

export interface Servers {
    lsp: string;
    dap: string;
    sim: string;
    cli: string;
    source: 'bundled' | 'setting';
    env: Record<string, string>; // added to the servers' environment
}

export const serverNames = { lsp: 'nimbus-lsp', dap: 'nimbus-dap', sim: 'nimbus-sim', cli: 'nimbus' } as const;

// Resolves the four binaries; throws an Error whose message says which is missing, where it
// was looked for and what to do.
export function resolveServers(settings: ServerSettings, extensionPath: string,
    isExecutable: (file: string) => boolean, home = ''): Servers {
    const expand = (p: string) => (p.startsWith('~/') && home ? path.join(home, p.slice(2)) : p);
    const fromSetting = settings.serverPath.trim() !== '';
    const dir = fromSetting ? path.resolve(expand(settings.serverPath.trim())) : path.join(extensionPath, 'server', 'bin');
    const servers = {
        lsp: path.join(dir, serverNames.lsp),
        dap: path.join(dir, serverNames.dap),
        sim: path.join(dir, serverNames.sim),
        cli: path.join(dir, serverNames.cli),
    };
    const missing = Object.values(servers).filter((file) => !isExecutable(file));
    if (missing.length > 0) {
        const names = missing.map((f) => path.basename(f)).join(', ');
        throw new Error(fromSetting
            ? `nimbus.serverPath: no executable ${names} in ${dir}. Set it to the folder holding nimbus-lsp, nimbus-dap, nimbus-sim and nimbus (a build's bin/), or clear it to use the servers bundled with the extension.`
            : `The Nimbus servers bundled with this extension are missing (${names} in ${dir}). Reinstall the extension's linux-x64 package, or set nimbus.serverPath to a folder holding them.`);
    }
    const env: Record<string, string> = {};
    if (settings.resourcesPath.trim() !== '') env.NIMBUS_RESOURCES = path.resolve(expand(settings.resourcesPath.trim()));
    else if (!fromSetting) env.NIMBUS_RESOURCES = path.join(extensionPath, 'server', 'share', 'nimbus');
    return { ...servers, source: fromSetting ? 'setting' : 'bundled', env };
}
