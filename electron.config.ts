/**
 * electron-builder configuration (`electron-builder --config electron.config.ts` once
 * electron-builder is installed where packages are built). Typed with a local interface naming
 * the keys we use, so this file type-checks without electron-builder installed.
 *
 * Before packaging: `npm run build:renderer` and the Electron bundles
 * (`node --import tsx src-main/electron/build-electron.ts`) → out/renderer, out/main.
 */

interface PlatformTarget {
  target: string[];
  category?: string;
  icon?: string;
  hardenedRuntime?: boolean;
  artifactName?: string;
}

interface ElectronBuilderConfig {
  appId: string;
  productName: string;
  copyright?: string;
  directories: { output: string; buildResources: string };
  files: string[];
  extraMetadata?: Record<string, unknown>;
  extraResources?: { from: string; to: string; filter?: string[] }[];
  asar: boolean;
  asarUnpack: string[];
  npmRebuild?: boolean;
  electronFuses?: Record<string, boolean>;
  linux: PlatformTarget & { maintainer?: string; synopsis?: string };
  deb?: { depends?: string[] };
  mac: PlatformTarget;
  dmg?: { title?: string };
  win: PlatformTarget;
  nsis?: { oneClick?: boolean; perMachine?: boolean; allowToChangeInstallationDirectory?: boolean };
}

const config: ElectronBuilderConfig = {
  appId: 'org.cogstudio.studio',
  productName: 'CogStudio',
  copyright: 'MIT licensed',
  directories: { output: 'release', buildResources: 'build' },
  files: ['out/main/**/*', 'out/renderer/**/*', 'package.json', '!**/*.map'],
  // the bundled main process is the app's entry
  extraMetadata: { main: 'out/main/main.cjs' },
  extraResources: [{ from: 'examples', to: 'examples', filter: ['*.cogmodel.json'] }],
  asar: true,
  // native modules cannot be dlopen'ed from inside app.asar
  asarUnpack: ['**/*.node', 'node_modules/llvm-bindings/**', 'node_modules/koffi/**'],
  npmRebuild: true,
  electronFuses: {
    runAsNode: false,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableCookieEncryption: true,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
  },
  linux: { target: ['AppImage', 'deb'], category: 'Science', icon: 'build/icon.png', synopsis: 'PsyNeuLink-style cognitive models, interpreted or compiled' },
  // llvm-bindings links the system LLVM 14
  deb: { depends: ['libllvm14'] },
  mac: { target: ['dmg'], category: 'public.app-category.education', icon: 'build/icon.png', hardenedRuntime: true },
  dmg: { title: 'CogStudio' },
  win: { target: ['nsis'], icon: 'build/icon.png' },
  nsis: { oneClick: false, perMachine: false, allowToChangeInstallationDirectory: true },
};

export default config;
