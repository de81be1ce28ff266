import { z } from 'zod';

/** Legal ranks of 立法法 (LF 2023) plus 规范性文件. */
export const REG_CATEGORIES = [
  '宪法', '法律', '行政法规', '监察法规', '地方性法规', '自治条例和单行条例',
  '部门规章', '地方政府规章', '司法解释', '规范性文件',
] as const;
export type RegCategory = (typeof REG_CATEGORIES)[number];
export const regCategorySchema = z.enum(REG_CATEGORIES);

export const ORGAN_KINDS = [
  '全国人大', '全国人大常委会', '国务院', '国家监委', '国务院部门', '地方人大', '地方人大常委会',
  '民族自治地方人大', '地方政府', '最高人民法院', '最高人民检察院', '其他机关',
] as const;
export type OrganKind = (typeof ORGAN_KINDS)[number];
export const organKindSchema = z.enum(ORGAN_KINDS);

/**
 * Which organs may issue which category [LF]. A document issued jointly must have every
 * issuer allowed for its category (e.g. a 司法解释 only from 最高法 / 最高检, LF Art119).
 */
export const CATEGORY_ISSUERS: Record<RegCategory, readonly OrganKind[]> = {
  宪法: ['全国人大'], // LF Art10
  法律: ['全国人大', '全国人大常委会'], // LF Art10
  行政法规: ['国务院'], // LF Art72
  监察法规: ['国家监委'], // LF Art118
  地方性法规: ['地方人大', '地方人大常委会'], // LF Art80-81, Art84 (经济特区法规)
  自治条例和单行条例: ['民族自治地方人大'], // LF Art85
  部门规章: ['国务院部门'], // LF Art91
  地方政府规章: ['地方政府'], // LF Art93
  司法解释: ['最高人民法院', '最高人民检察院'], // LF Art119
  规范性文件: ORGAN_KINDS,
};

export const REG_STATUSES = ['现行有效', '已修改', '已废止'] as const;
export type RegStatus = (typeof REG_STATUSES)[number];
export const regStatusSchema = z.enum(REG_STATUSES);
