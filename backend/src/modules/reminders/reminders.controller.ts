import { Controller, Inject } from '@midwayjs/core';
import type { Context } from '@midwayjs/koa';
import { API } from '@lfxj/contracts';
import { Endpoint, type Call } from '../../common/endpoint';
import { RemindersService } from './reminders.service';
import { TasksService } from '../cases/tasks.service';
import { JobStatusService } from './job-status';

const api = API.reminders;

@Controller('/')
export class RemindersController {
  @Inject() ctx: Context;
  @Inject() reminders: RemindersService;
  @Inject() tasks: TasksService;
  @Inject() jobs: JobStatusService;

  @Endpoint(api.outbox)
  async outbox({ input, em }: Call<typeof api.outbox>) {
    return this.reminders.outbox(em, input.query);
  }

  @Endpoint(api.resend)
  async resend({ input, em, audit }: Call<typeof api.resend>) {
    Object.assign(audit, { targetType: 'reminder', targetId: input.params.id });
    await this.reminders.resend(em, input.params.id);
    return { ok: true as const };
  }

  // Sent before the request's transaction (no provider call inside a write transaction).
  @Endpoint(api.testSms, { stage: (self: RemindersController, { input }) => self.reminders.testSms(input.body.phone) })
  async testSms({ staged, em, audit }: Call<typeof api.testSms, number>) {
    const view = await this.reminders.viewOne(em, staged);
    Object.assign(audit, { targetType: 'reminder', targetId: view.id, details: { phone: view.phoneMasked, status: view.status } });
    return view;
  }

  @Endpoint(api.myPreferences)
  async myPreferences({ user, em }: Call<typeof api.myPreferences>) {
    return this.reminders.preferences(em, user.id);
  }

  @Endpoint(api.setMyPreferences)
  async setMyPreferences({ input, user, em, audit }: Call<typeof api.setMyPreferences>) {
    Object.assign(audit, { targetType: 'user', targetId: user.id });
    return this.reminders.setPreferences(em, user.id, input.body);
  }

  /** The banner at the top of the admins' console (read on the primary: it is about now). */
  @Endpoint(api.jobs)
  async jobStatus() {
    return this.jobs.overview();
  }

  // A supervision list tolerates a few seconds of replication lag.
  @Endpoint(api.overdueSupervision, { replica: true })
  async overdueSupervision({ input, user, em }: Call<typeof api.overdueSupervision>) {
    return this.tasks.overdueForSupervision(em, user, input.query);
  }
}
