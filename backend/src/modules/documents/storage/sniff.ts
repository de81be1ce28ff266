import { promises as fs } from 'fs';
import { createHash } from 'crypto';
import { AppError } from '../../../common/app-error';

/**
 * What a file really is, judged from its bytes only: the declared name and the browser's
 * Content-Type are whatever the uploader says they are.
 */
export interface FileType {
  readonly mime: string;
  readonly ext: string;
  /** Chinese, for messages: “PDF 文档”, “Windows 可执行程序”. */
  readonly label: string;
}

const t = (mime: string, ext: string, label: string): FileType => Object.freeze({ mime, ext, label });

/** Every type we can name. Objects are frozen and compared by identity. */
export const FILE_TYPES = {
  pdf: t('application/pdf', 'pdf', 'PDF 文档'),
  ofd: t('application/ofd', 'ofd', 'OFD 版式文档'),
  docx: t('application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'docx', 'Word 文档'),
  xlsx: t('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'xlsx', 'Excel 表格'),
  pptx: t('application/vnd.openxmlformats-officedocument.presentationml.presentation', 'pptx', 'PowerPoint 演示文稿'),
  doc: t('application/msword', 'doc', 'Word 97-2003 文档'),
  xls: t('application/vnd.ms-excel', 'xls', 'Excel 97-2003 表格'),
  ppt: t('application/vnd.ms-powerpoint', 'ppt', 'PowerPoint 97-2003 演示文稿'),
  png: t('image/png', 'png', 'PNG 图片'),
  jpeg: t('image/jpeg', 'jpg', 'JPEG 图片'),
  gif: t('image/gif', 'gif', 'GIF 图片'),
  webp: t('image/webp', 'webp', 'WebP 图片'),
  tiff: t('image/tiff', 'tif', 'TIFF 图片'),
  bmp: t('image/bmp', 'bmp', 'BMP 图片'),
  heic: t('image/heic', 'heic', 'HEIC 图片'),
  avif: t('image/avif', 'avif', 'AVIF 图片'),
  mp4: t('video/mp4', 'mp4', 'MP4 视频'),
  mov: t('video/quicktime', 'mov', 'MOV 视频'),
  threeGp: t('video/3gpp', '3gp', '3GP 视频'),
  avi: t('video/x-msvideo', 'avi', 'AVI 视频'),
  m4a: t('audio/mp4', 'm4a', 'M4A 音频'),
  mp3: t('audio/mpeg', 'mp3', 'MP3 音频'),
  wav: t('audio/wav', 'wav', 'WAV 音频'),
  amr: t('audio/amr', 'amr', 'AMR 音频'),
  text: t('text/plain', 'txt', '纯文本'),
  // Known but refused: archives hide what is inside them.
  zip: t('application/zip', 'zip', 'ZIP 压缩包'),
  rar: t('application/vnd.rar', 'rar', 'RAR 压缩包'),
  sevenZip: t('application/x-7z-compressed', '7z', '7z 压缩包'),
  gzip: t('application/gzip', 'gz', 'gzip 压缩包'),
  // Known and refused: they run code.
  exe: t('application/vnd.microsoft.portable-executable', 'exe', 'Windows 可执行程序'),
  elf: t('application/x-elf', 'elf', 'Linux 可执行程序'),
  macho: t('application/x-mach-binary', 'macho', 'macOS 可执行程序'),
  javaClass: t('application/java-vm', 'class', 'Java 可执行程序（class 文件）'),
  dex: t('application/vnd.android.dex', 'dex', '安卓可执行程序'),
  wasm: t('application/wasm', 'wasm', 'WebAssembly 可执行程序'),
  script: t('text/x-script', 'sh', '脚本程序（以 #! 开头）'),
  msi: t('application/x-msi', 'msi', 'Windows 安装程序'),
  cab: t('application/vnd.ms-cab-compressed', 'cab', 'Windows 安装包（CAB）'),
  lnk: t('application/x-ms-shortcut', 'lnk', 'Windows 快捷方式'),
  html: t('text/html', 'html', '网页（可含脚本）'),
  svg: t('image/svg+xml', 'svg', 'SVG 图片（可含脚本）'),
  zipWithCode: t('application/zip', 'zip', '内含可执行程序或脚本的压缩包'),
  officeMacro: t('application/vnd.ms-office.macroenabled', 'docm', '含宏的 Office 文档（宏可执行代码）'),
} as const;

const ALLOWED: ReadonlySet<FileType> = new Set<FileType>([
  FILE_TYPES.pdf, FILE_TYPES.ofd, FILE_TYPES.docx, FILE_TYPES.xlsx, FILE_TYPES.pptx,
  FILE_TYPES.doc, FILE_TYPES.xls, FILE_TYPES.ppt,
  FILE_TYPES.png, FILE_TYPES.jpeg, FILE_TYPES.gif, FILE_TYPES.webp, FILE_TYPES.tiff, FILE_TYPES.bmp,
  FILE_TYPES.heic, FILE_TYPES.avif,
  FILE_TYPES.mp4, FILE_TYPES.mov, FILE_TYPES.threeGp, FILE_TYPES.avi,
  FILE_TYPES.m4a, FILE_TYPES.mp3, FILE_TYPES.wav, FILE_TYPES.amr,
  FILE_TYPES.text,
]);

const ARCHIVES: ReadonlySet<FileType> = new Set<FileType>([FILE_TYPES.zip, FILE_TYPES.rar, FILE_TYPES.sevenZip, FILE_TYPES.gzip]);

/**
 * Extensions Windows, macOS or a browser would run. A file named like this is refused even when
 * its bytes are harmless text: whoever downloads it later double-clicks the name, not the bytes.
 */
const CODE_EXTENSIONS = new Set([
  'exe', 'dll', 'com', 'scr', 'pif', 'cpl', 'msi', 'msp', 'mst', 'bat', 'cmd', 'ps1', 'psm1', 'vbs', 'vbe',
  'js', 'jse', 'mjs', 'wsf', 'wsh', 'hta', 'jar', 'class', 'sh', 'bash', 'zsh', 'csh', 'ksh', 'command',
  'app', 'apk', 'ipa', 'deb', 'rpm', 'dmg', 'pkg', 'lnk', 'reg', 'inf', 'sys', 'drv', 'ocx', 'elf', 'bin',
  'so', 'dylib', 'py', 'pyc', 'pl', 'rb', 'php', 'asp', 'aspx', 'jsp', 'cgi', 'html', 'htm', 'xhtml',
  'shtml', 'svg', 'mht', 'mhtml', 'url', 'scf', 'gadget', 'msc', 'appx', 'msix', 'iso', 'img', 'vhd', 'vhdx',
  'docm', 'dotm', 'xlsm', 'xltm', 'xlam', 'pptm', 'potm', 'ppam', 'ppsm', 'sldm', 'wasm', 'dex',
]);

function startsWith(buf: Buffer, bytes: number[] | string, at = 0): boolean {
  const sig = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
  return buf.length >= at + sig.length && buf.subarray(at, at + sig.length).equals(sig);
}

function extensionOf(name: string): string {
  // Trailing dots and spaces are dropped by Windows: “a.exe. ” runs as a.exe.
  const base = (name.split(/[\\/]/).pop() ?? '').replace(/[.\s]+$/, '');
  const dot = base.lastIndexOf('.');
  return dot < 0 ? '' : base.slice(dot + 1).toLowerCase();
}

// ---- ZIP (docx/xlsx/pptx/ofd and plain archives) ----

/**
 * Entry names from both the central directory and the local headers: a crafted archive can
 * show different names in each, and unzip tools disagree on which they trust.
 */
function zipEntryNames(buf: Buffer): string[] {
  const names = new Set<string>();
  const MAX_ENTRIES = 20000;

  // Central directory, found through the end record (within the last 64 KiB + 22 bytes).
  for (let eocd = buf.length - 22; eocd >= 0 && eocd >= buf.length - 22 - 0xffff; eocd--) {
    if (buf.readUInt32LE(eocd) !== 0x06054b50) continue;
    const count = buf.readUInt16LE(eocd + 10);
    let off = buf.readUInt32LE(eocd + 16);
    for (let i = 0; i < count && i < MAX_ENTRIES && off + 46 <= buf.length; i++) {
      if (buf.readUInt32LE(off) !== 0x02014b50) break;
      const nameLen = buf.readUInt16LE(off + 28);
      const extraLen = buf.readUInt16LE(off + 30);
      const commentLen = buf.readUInt16LE(off + 32);
      names.add(buf.toString('utf8', off + 46, Math.min(buf.length, off + 46 + nameLen)));
      off += 46 + nameLen + extraLen + commentLen;
    }
    break;
  }

  // Local headers, walked from the start until a size is unknown (data descriptor) or the data ends.
  let off = 0;
  for (let i = 0; i < MAX_ENTRIES && off + 30 <= buf.length && buf.readUInt32LE(off) === 0x04034b50; i++) {
    const flags = buf.readUInt16LE(off + 6);
    const compressed = buf.readUInt32LE(off + 18);
    const nameLen = buf.readUInt16LE(off + 26);
    const extraLen = buf.readUInt16LE(off + 28);
    names.add(buf.toString('utf8', off + 30, Math.min(buf.length, off + 30 + nameLen)));
    if (flags & 0x08) break;
    off += 30 + nameLen + extraLen + compressed;
  }
  return [...names];
}

function classifyZip(buf: Buffer): FileType {
  const names = zipEntryNames(buf);
  const lower = names.map((n) => n.replace(/\\/g, '/').toLowerCase());
  if (lower.some((n) => n.endsWith('vbaproject.bin'))) return FILE_TYPES.officeMacro;
  if (lower.some((n) => CODE_EXTENSIONS.has(extensionOf(n)) && !isOfficeInternalPart(n))) return FILE_TYPES.zipWithCode;
  if (lower.includes('[content_types].xml')) {
    if (lower.some((n) => n.startsWith('word/'))) return FILE_TYPES.docx;
    if (lower.some((n) => n.startsWith('xl/'))) return FILE_TYPES.xlsx;
    if (lower.some((n) => n.startsWith('ppt/'))) return FILE_TYPES.pptx;
  }
  if (lower.includes('ofd.xml')) return FILE_TYPES.ofd;
  return FILE_TYPES.zip;
}

/**
 * Office keeps embedded objects and printer settings as `.bin` parts and icons as `.svg`;
 * inside the package they are data that Office itself renders, not programs.
 */
function isOfficeInternalPart(name: string): boolean {
  return /^(word|xl|ppt)\//.test(name) && ['bin', 'svg'].includes(extensionOf(name));
}

// ---- OLE compound files (doc/xls/ppt, and MSI installers) ----

function utf16(s: string): Buffer {
  return Buffer.from(s, 'utf16le');
}

function classifyOle(buf: Buffer): FileType | null {
  // The root directory entry's CLSID says “Windows Installer” for .msi/.msp/.mst.
  if (buf.length >= 0x40) {
    const sectorShift = buf.readUInt16LE(0x1e);
    const firstDirSector = buf.readUInt32LE(0x30);
    if (sectorShift === 9 || sectorShift === 12) {
      const clsid = (firstDirSector + 1) * (1 << sectorShift) + 0x50;
      if (clsid + 16 <= buf.length) {
        const id = buf.subarray(clsid, clsid + 16);
        const installer = [0x84, 0x86, 0x82].includes(id[0]) && id[1] === 0x10 && id[2] === 0x0c &&
          id.subarray(3, 16).equals(Buffer.from([0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46]));
        if (installer) return FILE_TYPES.msi;
      }
    }
  }
  // Stream names are UTF-16LE in the directory; searching for them is simpler than walking the FAT.
  if (buf.includes(utf16('_VBA_PROJECT'))) return FILE_TYPES.officeMacro;
  if (buf.includes(utf16('WordDocument'))) return FILE_TYPES.doc;
  if (buf.includes(utf16('Workbook')) || buf.includes(utf16('Book\u0000'))) return FILE_TYPES.xls;
  if (buf.includes(utf16('PowerPoint Document'))) return FILE_TYPES.ppt;
  return null;
}

// ---- ISO base media (MP4, MOV, HEIC, …) ----

function classifyFtyp(buf: Buffer): FileType {
  const brand = buf.toString('latin1', 8, 12);
  if (brand === 'qt  ') return FILE_TYPES.mov;
  if (['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'].includes(brand)) return FILE_TYPES.heic;
  if (brand === 'avif' || brand === 'avis') return FILE_TYPES.avif;
  if (brand === 'M4A ' || brand === 'M4B ') return FILE_TYPES.m4a;
  if (brand.startsWith('3g')) return FILE_TYPES.threeGp;
  return FILE_TYPES.mp4;
}

/** An MPEG-1/2 Layer III frame header (no ID3 tag in front). */
function isMp3Frame(buf: Buffer): boolean {
  if (buf.length < 4 || buf[0] !== 0xff || (buf[1] & 0xe0) !== 0xe0) return false;
  const version = (buf[1] >> 3) & 3;
  const layer = (buf[1] >> 1) & 3;
  const bitrate = buf[2] >> 4;
  const sampling = (buf[2] >> 2) & 3;
  return version !== 1 && layer === 1 && bitrate !== 0 && bitrate !== 15 && sampling !== 3;
}

// ---- text ----

const utf8 = new TextDecoder('utf-8', { fatal: true });

function classifyText(buf: Buffer): FileType | null {
  for (const b of buf) {
    // NUL and other C0 controls (other than tab, LF, FF, CR) do not occur in text; they mean binary.
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d) return null;
  }
  let text: string;
  try {
    text = utf8.decode(buf);
  } catch {
    return null;
  }
  // Markup that a browser would run if the file were ever shown inline.
  const head = text.trimStart().slice(0, 512).toLowerCase();
  if (head.startsWith('<!doctype html') || head.startsWith('<html')) return FILE_TYPES.html;
  const lower = text.toLowerCase();
  if (/<svg[\s>]/.test(lower)) return FILE_TYPES.svg;
  if (/<script[\s>]/.test(lower)) return FILE_TYPES.html;
  return FILE_TYPES.text;
}

/** The file's real type from its first bytes (and for containers, their table of contents). */
export function detectFileType(buf: Buffer): FileType | null {
  if (buf.length === 0) return null;

  // Programs first, so nothing below can mistake one for a document.
  if (startsWith(buf, 'MZ')) return FILE_TYPES.exe;
  if (startsWith(buf, [0x7f, 0x45, 0x4c, 0x46])) return FILE_TYPES.elf;
  if ([[0xfe, 0xed, 0xfa, 0xce], [0xfe, 0xed, 0xfa, 0xcf], [0xce, 0xfa, 0xed, 0xfe], [0xcf, 0xfa, 0xed, 0xfe]].some((m) => startsWith(buf, m))) {
    return FILE_TYPES.macho;
  }
  if (startsWith(buf, [0xca, 0xfe, 0xba, 0xbe])) {
    // Shared by Java classes and universal Mach-O; a small count after it is the number of architectures.
    return buf.length >= 8 && buf.readUInt32BE(4) < 43 ? FILE_TYPES.macho : FILE_TYPES.javaClass;
  }
  if (startsWith(buf, '#!AMR')) return FILE_TYPES.amr; // a voice recording, not a shebang
  if (startsWith(buf, '#!')) return FILE_TYPES.script;
  if (startsWith(buf, 'dex\n')) return FILE_TYPES.dex;
  if (startsWith(buf, [0x00, 0x61, 0x73, 0x6d])) return FILE_TYPES.wasm;
  if (startsWith(buf, 'MSCF')) return FILE_TYPES.cab;
  if (startsWith(buf, [0x4c, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00])) return FILE_TYPES.lnk;

  if (startsWith(buf, '%PDF-')) return FILE_TYPES.pdf;
  if (startsWith(buf, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return FILE_TYPES.png;
  if (startsWith(buf, [0xff, 0xd8, 0xff])) return FILE_TYPES.jpeg;
  if (startsWith(buf, 'GIF87a') || startsWith(buf, 'GIF89a')) return FILE_TYPES.gif;
  if (startsWith(buf, 'RIFF') && buf.length >= 12) {
    const form = buf.toString('latin1', 8, 12);
    if (form === 'WEBP') return FILE_TYPES.webp;
    if (form === 'WAVE') return FILE_TYPES.wav;
    if (form === 'AVI ') return FILE_TYPES.avi;
  }
  if (startsWith(buf, [0x49, 0x49, 0x2a, 0x00]) || startsWith(buf, [0x4d, 0x4d, 0x00, 0x2a])) return FILE_TYPES.tiff;
  // “BM” alone is too weak; also require a known DIB header size.
  if (startsWith(buf, 'BM') && buf.length >= 18 && [12, 40, 52, 56, 64, 108, 124].includes(buf.readUInt32LE(14))) {
    return FILE_TYPES.bmp;
  }
  if (startsWith(buf, 'ftyp', 4) && buf.length >= 12) return classifyFtyp(buf);
  if (startsWith(buf, 'ID3') || isMp3Frame(buf)) return FILE_TYPES.mp3;

  if (startsWith(buf, [0x50, 0x4b, 0x03, 0x04]) || startsWith(buf, [0x50, 0x4b, 0x05, 0x06]) || startsWith(buf, [0x50, 0x4b, 0x07, 0x08])) {
    return classifyZip(buf);
  }
  if (startsWith(buf, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return classifyOle(buf);
  if (startsWith(buf, [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07])) return FILE_TYPES.rar;
  if (startsWith(buf, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return FILE_TYPES.sevenZip;
  if (startsWith(buf, [0x1f, 0x8b])) return FILE_TYPES.gzip;

  return classifyText(buf);
}

/** The declared name as shown back to the user: last path part, no control characters, bounded. */
function displayName(declaredName: string): string {
  const base = (declaredName ?? '').split(/[\\/]/).pop() ?? '';
  const clean = [...base].filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f).join('').trim();
  if (!clean) return '未命名';
  return clean.length > 80 ? `${clean.slice(0, 80)}…` : clean;
}

function refused(message: string, detected: FileType | null): AppError {
  return new AppError('VALIDATION_FAILED', message, {
    fields: [{ field: 'file', message }],
    detected: detected ? { mime: detected.mime, ext: detected.ext, label: detected.label } : null,
  });
}

/**
 * Accepts a case document only when its bytes are a known, harmless type; returns that type
 * (use its mime for storage and downloads, and its ext for the stored key).
 */
export function assertAllowedDocument(buf: Buffer, declaredName: string): FileType {
  return assertAllowedType(buf.length ? detectFileType(buf) : null, buf.length, declaredName);
}

/** The same decision from a type already detected (e.g. of a file spooled to disk). */
export function assertAllowedType(type: FileType | null, size: number, declaredName: string): FileType {
  const name = displayName(declaredName);
  if (size === 0) throw refused(`文件“${name}”是空文件，不允许上传`, null);

  const declaredExt = extensionOf(declaredName ?? '');
  if (CODE_EXTENSIONS.has(declaredExt)) {
    throw refused(`文件“${name}”的扩展名“.${declaredExt}”属于可执行程序、脚本或含宏文档，不允许上传`, type);
  }
  if (type === null) {
    throw refused(`无法识别文件“${name}”的实际类型，不允许上传；可上传 PDF、OFD、Word/Excel/PowerPoint 文档、图片、音视频或 UTF-8 纯文本`, null);
  }
  if (ARCHIVES.has(type)) throw refused(`文件“${name}”的实际类型为${type.label}，不允许上传，请解压后逐个上传`, type);
  if (!ALLOWED.has(type)) throw refused(`文件“${name}”的实际类型为${type.label}，不允许上传`, type);
  return type;
}

/** Types decided by their first bytes alone; anything else (containers, text) needs the whole file. */
const HEAD_IS_ENOUGH: ReadonlySet<FileType> = new Set<FileType>([
  FILE_TYPES.pdf, FILE_TYPES.png, FILE_TYPES.jpeg, FILE_TYPES.gif, FILE_TYPES.webp, FILE_TYPES.tiff, FILE_TYPES.bmp, FILE_TYPES.heic,
  FILE_TYPES.avif, FILE_TYPES.mp4, FILE_TYPES.mov, FILE_TYPES.threeGp, FILE_TYPES.avi, FILE_TYPES.m4a, FILE_TYPES.mp3, FILE_TYPES.wav,
  FILE_TYPES.amr, FILE_TYPES.exe, FILE_TYPES.elf, FILE_TYPES.macho, FILE_TYPES.javaClass, FILE_TYPES.dex, FILE_TYPES.wasm,
  FILE_TYPES.script, FILE_TYPES.cab, FILE_TYPES.lnk, FILE_TYPES.rar, FILE_TYPES.sevenZip, FILE_TYPES.gzip,
]);
const HEAD_BYTES = 64 * 1024;

/**
 * The real type of a file on disk. Photos, PDFs and media are told by their first 64 KiB;
 * only Office / OFD containers and text are read whole (they are the small ones).
 */
export async function detectFileTypeOfFile(path: string): Promise<{ type: FileType | null; size: number }> {
  const handle = await fs.open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) return { type: null, size };
    const head = Buffer.alloc(Math.min(size, HEAD_BYTES));
    await handle.read(head, 0, head.length, 0);
    const byHead = detectFileType(head);
    if (size <= HEAD_BYTES || (byHead && HEAD_IS_ENOUGH.has(byHead))) return { type: byHead, size };
    return { type: detectFileType(await handle.readFile()), size };
  } finally {
    await handle.close();
  }
}

export function sha256Hex(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}
