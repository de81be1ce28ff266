import { Entity, PrimaryGeneratedColumn, Column, VersionColumn } from 'typeorm';
import type { OrgKind, RegionKind, EnforcementDomain, SuccessionKind, OrgStatus } from '@lfxj/contracts';
import { CreatedAt, UpdatedAt, Day } from '../../db/columns';

@Entity('region')
export class Region {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'varchar', length: 32, unique: true }) code: string;
  @Column({ type: 'varchar', length: 16 }) kind: RegionKind;
  @Column({ name: 'parent_id', type: 'int', nullable: true }) parentId: number | null;
  @CreatedAt() createdAt: Date;
}

/** Names are dated: a record made in 2016 shows the name valid then, today's screens today's. */
@Entity('region_name')
export class RegionName {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'region_id', type: 'int' }) regionId: number;
  @Column({ type: 'varchar', length: 64 }) name: string;
  @Day('valid_from') validFrom: string | null;
  @Day('valid_to') validTo: string | null;
}

@Entity('organisation')
export class Organisation {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'varchar', length: 32, unique: true }) code: string;
  @Column({ type: 'varchar', length: 16 }) kind: OrgKind;
  @Column({ name: 'region_id', type: 'int' }) regionId: number;
  @Column({ name: 'parent_id', type: 'int', nullable: true }) parentId: number | null;
  @Column({ type: 'varchar', length: 16, nullable: true }) domain: EnforcementDomain | null;
  @Column({ type: 'varchar', length: 16, default: 'active' }) status: OrgStatus;
  @VersionColumn() version: number;
  @CreatedAt() createdAt: Date;
  @UpdatedAt() updatedAt: Date;
}

@Entity('org_name')
export class OrgName {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'org_id', type: 'int' }) orgId: number;
  @Column({ type: 'varchar', length: 64 }) name: string;
  @Column({ name: 'short_name', type: 'varchar', length: 32, nullable: true }) shortName: string | null;
  @Day('valid_from') validFrom: string | null;
  @Day('valid_to') validTo: string | null;
}

/** Institutional reform: the predecessor's records stay reachable through the successor. */
@Entity('org_succession')
export class OrgSuccession {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'varchar', length: 8 }) kind: SuccessionKind;
  @Column({ name: 'predecessor_id', type: 'int' }) predecessorId: number;
  @Column({ name: 'successor_id', type: 'int' }) successorId: number;
  @Day('effective_on', { nullable: false }) effectiveOn: string;
  @Column({ type: 'varchar', length: 500, nullable: true }) note: string | null;
  @CreatedAt() createdAt: Date;
}

/** "To the same level": each region's police body, filing procuratorate and supervisory commission. */
@Entity('region_routing')
export class RegionRouting {
  @Column({ name: 'region_id', type: 'int', primary: true }) regionId: number;
  @Column({ name: 'police_org_id', type: 'int' }) policeOrgId: number;
  @Column({ name: 'procuratorate_org_id', type: 'int' }) procuratorateOrgId: number;
  @Column({ name: 'supervisory_org_id', type: 'int', nullable: true }) supervisoryOrgId: number | null;
  @Column({ type: 'varchar', length: 500, nullable: true }) note: string | null;
  @UpdatedAt() updatedAt: Date;
}
