import { z } from 'zod';

export const REGION_KINDS = ['市本级', '行政区', '功能区', '特别合作区'] as const;
export type RegionKind = (typeof REGION_KINDS)[number];

export const ORG_KINDS = ['行政执法机关', '公安机关', '人民检察院', '监察机关', '法院', '平台'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];
export const orgKindSchema = z.enum(ORG_KINDS);

export const ENFORCEMENT_DOMAINS = [
  '市场监管', '生态环境', '卫生健康', '城市管理', '应急管理', '规划和自然资源', '交通运输',
  '文化旅游', '人力资源社会保障', '税务', '教育', '住房建设', '水务', '农业农村', '海关', '其他',
] as const;
export type EnforcementDomain = (typeof ENFORCEMENT_DOMAINS)[number];
export const domainSchema = z.enum(ENFORCEMENT_DOMAINS);

/** Institutional reform: 合并 (several into one), 分立 (one into several), 划转 (functions moved). */
export const SUCCESSION_KINDS = ['合并', '分立', '划转'] as const;
export type SuccessionKind = (typeof SUCCESSION_KINDS)[number];

export const ORG_STATUSES = { active: '存续', abolished: '已撤销' } as const;
export type OrgStatus = keyof typeof ORG_STATUSES;
