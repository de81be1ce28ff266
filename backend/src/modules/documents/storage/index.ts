export type { StorageDriver, DirectUploadPolicy } from './types';
export { assertSafeKey, caseKeyPrefix, isSafeKey, keyProblem, newCaseDocumentKey } from './keys';
export { LocalStorage } from './local';
export { OssStorage, type DirectUploadOptions, type OssStorageOptions } from './oss';
export { assertAllowedDocument, assertAllowedType, detectFileType, detectFileTypeOfFile, FILE_TYPES, sha256Hex, type FileType } from './sniff';
