; 明厨亮灶监管工作台 — Windows installer (Inno Setup 6). It cannot be built on the Linux
; development machine; on a Windows build PC:
;   1. Python 3.11 x64, `pip install -e .[dist]`, VLC 3 x64 installed (or MINGCHU_VLC_DIR set), then
;        pyinstaller --noconfirm installer\mingchu.spec        -> dist\mingchu-console\
;   2. iscc /DAppVersion=0.1.0 installer\windows\mingchu.iss  -> dist\mingchu-console-0.1.0-setup.exe
; Chinese messages: compiler:Languages\ChineseSimplified.isl (official from Inno Setup 6.4; for older
; versions copy it from https://jrsoftware.org/files/istrans/ into Inno Setup's Languages folder).
;
; Installs per machine into {autopf}\MingchuConsole\<version> (versions side by side), Start-menu
; shortcuts in Chinese, and uninstalls every program file. The user data (%LOCALAPPDATA%\mingchu-console:
; database, evidence, logs, models) is kept unless the person answers 是 when asked.
; The [Files] entries mirror installer/layout.py (checked by tests/installer/test_layout.py).

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "明厨亮灶监管工作台"
#define DistDir "..\..\dist\mingchu-console"

[Setup]
; One AppId per version: each version in its own folder with its own uninstall entry.
AppId={{5C0F7A52-3B1E-4C55-9E0B-6D1B7C2A9F31}_{#AppVersion}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
DefaultDirName={autopf}\MingchuConsole\{#AppVersion}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
UsePreviousAppDir=no
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=mingchu-console-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
UninstallDisplayIcon={app}\mingchu-console.exe
WizardStyle=modern

[Languages]
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Tasks]
Name: "desktopicon"; Description: "创建桌面快捷方式"; GroupDescription: "快捷方式："

[Files]
Source: "{#DistDir}\mingchu-console.exe"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#DistDir}\mingchu-console-cli.exe"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#DistDir}\_internal\*"; DestDir: "{app}\_internal"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\mingchu-console.exe"
Name: "{group}\{#AppName} 自检"; Filename: "{cmd}"; Parameters: "/k ""{app}\mingchu-console-cli.exe"" --self-test"
Name: "{group}\卸载 {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\mingchu-console.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\mingchu-console.exe"; Description: "启动 {#AppName}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Whatever the program folder gained after installation: no program file is left behind.
Type: filesandordirs; Name: "{app}"

[Code]
{ Asked at the end of uninstalling; the default (and a silent uninstall) keeps the data. The data
  is the uninstalling user's: platformdirs puts it in %LOCALAPPDATA%\mingchu-console. }
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  DataDir: String;
begin
  if CurUninstallStep = usPostUninstall then
  begin
    DataDir := ExpandConstant('{localappdata}\mingchu-console');
    if DirExists(DataDir) then
      if SuppressibleMsgBox('是否同时删除用户数据（数据库、证据、日志、模型）？' + #13#10 + DataDir + #13#10#13#10 +
                            '选择“否”将保留这些数据，重新安装后可继续使用。',
                            mbConfirmation, MB_YESNO or MB_DEFBUTTON2, IDNO) = IDYES then
        DelTree(DataDir, True, True, True);
  end;
end;
